// 待发送 (/offline/): the records waiting on this phone, and the conflict screen that sets the
// phone's version beside the server's (decision 0039). Drawn from the phone's store only.
(function () {
  "use strict";
  const root = document.getElementById("zf-outbox");
  const store = window.zfStore;
  const app = window.zfOffline;
  if (!root || !store || !app) return;
  const T = app.TEXT;
  const list = document.getElementById("zf-records");
  const conflict = document.getElementById("zf-conflict");
  const ORDER = {
    visit: ["title", "outcome", "started_at", "ended_at", "members", "note", "topics", "leaflets", "findings", "photos", "recorded_by", "recorded_at"],
    finding: ["title", "kind", "description", "place_text", "grade", "resident_name", "resident_phone", "state"],
  };
  const fmt = (s, v) => String(s || "").replace(/%\((\w+)\)s/g, (m, k) => (k in v ? v[k] : m));
  const hhmm = (iso) => {
    const d = new Date(iso);
    return `${d.getMonth() + 1}-${d.getDate()} ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  };
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function versionBlock(target, heading, values, kind) {
    target.replaceChildren(el("div", "fw-semibold mb-1", heading));
    if (!values) { target.append(el("div", "small text-muted", T.server_unknown)); return; }
    const dl = el("dl", "row small mb-0");
    for (const key of ORDER[kind]) {
      if (!(key in values)) continue;
      dl.append(el("dt", "col-5 fw-normal text-muted", T.fields[key] || key));
      dl.append(el("dd", "col-7 mb-1 text-break", String(values[key] ?? "") || "—"));
    }
    target.append(dl);
  }

  async function showConflict(record) {
    const mine = await store.unseal(record.box);
    const server = record.server ? await store.unseal(record.server) : null;
    versionBlock(conflict.querySelector("[data-version=phone]"), T.phone_version, mine.summary, record.kind);
    versionBlock(conflict.querySelector("[data-version=server]"), T.server_version, server, record.kind);
    const keep = conflict.querySelector("[data-resolve=server]");
    const resend = conflict.querySelector("[data-resolve=resend]");
    keep.textContent = T.keep_server;
    resend.textContent = T.resend_new;
    keep.onclick = async () => { await store.queueDelete(record.id); conflict.hidden = true; await draw(); await app.render(); };
    resend.onclick = async () => {
      // The phone's version under a new number: the server judges it as a new record.
      const fresh = crypto.randomUUID ? crypto.randomUUID() : record.id;
      mine.payload.client_uuid = fresh;
      await store.queueDelete(record.id);
      Object.assign(record, { id: fresh, state: "pending", attempts: 0, next_at: 0, error: "", server: null, visit_sent: false });
      record.box = await store.seal(mine);
      record.photos.forEach((p) => { p.uuid = crypto.randomUUID ? crypto.randomUUID() : p.uuid; });
      await store.queuePut(record);
      conflict.hidden = true;
      await app.syncNow(true);
      await draw();
    };
    conflict.hidden = false;
    conflict.dataset.record = record.id;
    conflict.scrollIntoView({ block: "start" });
  }

  // The form a record came from, for records saved before they carried its address.
  const formPage = (kind, payload) =>
    kind === "visit" ? `/visits/tasks/${payload.task_id}/visit/` : "/findings/new/";

  let drawing = 0;
  async function draw() {
    const turn = ++drawing; // a later call wins: two overlapping draws must not both append
    const all = await store.queueAll();
    const mine = all.filter((r) => r.user === app.USER);
    const others = all.length - mine.length;
    const items = [];
    for (const record of mine) {
      const { summary, payload } = await store.unseal(record.box);
      const item = el("div", "list-group-item");
      item.dataset.record = record.id;
      item.dataset.state = record.state;
      const top = el("div", "d-flex justify-content-between gap-2");
      top.append(el("div", "fw-semibold text-break", summary.title || T[`kind_${record.kind}`]));
      const badge = { pending: "text-bg-warning", conflict: "text-bg-danger", refused: "text-bg-secondary" }[record.state];
      top.append(el("span", `badge ${badge} align-self-start text-nowrap`, T[`state_${record.state}`]));
      item.append(top);
      const line = [T[`kind_${record.kind}`], fmt(T.saved_at, { t: hhmm(record.created_at) })];
      if (record.state === "pending" && record.attempts) line.push(fmt(T.attempts, { n: record.attempts, t: hhmm(record.next_at) }));
      item.append(el("div", "small text-muted", line.join(" · ")));
      if (record.error) item.append(el("div", "small text-danger mt-1", record.error));
      if (record.state === "conflict") {
        const b = el("button", "btn btn-sm btn-danger mt-2", T.show_conflict);
        b.type = "button";
        b.dataset.showConflict = record.id;
        b.onclick = () => showConflict(record);
        item.append(b);
      } else if (record.state === "refused") {
        // Open the record in its form, filled in, to correct it (correct.js); it is sent
        // again under the same UUID.
        const fix = el("a", "btn btn-sm btn-primary mt-2 me-2", T.correct);
        const page = /^\/[^/\\]/.test(record.page || "") ? record.page : formPage(record.kind, payload);
        fix.href = `${page}#zf-fix=${record.id}`;
        fix.dataset.fix = record.id;
        item.append(fix);
        const b = el("button", "btn btn-sm btn-outline-danger mt-2", T.discard);
        b.type = "button";
        b.onclick = async () => { if (window.confirm(T.discard_confirm)) { await store.queueDelete(record.id); await draw(); await app.render(); } };
        item.append(b);
      }
      items.push(item);
    }
    if (turn !== drawing) return;
    list.replaceChildren(...items);
    document.getElementById("zf-empty").hidden = mine.length > 0;
    const o = document.getElementById("zf-others");
    o.hidden = !others;
    o.textContent = others ? fmt(T.other_user, { n: others }) : "";
  }

  document.getElementById("zf-send-now").addEventListener("click", async () => { await app.syncNow(true); await draw(); });
  document.addEventListener("zf:queue", () => { if (conflict.hidden) draw(); });
  document.addEventListener("DOMContentLoaded", () => { draw(); });
})();
