// The offline app on every page of a signed-in user (decision 0039):
//   - registers the service worker and gives it the pages to keep;
//   - a visit form or a finding form that cannot reach the server is saved on the phone
//     (sealed, with its own client UUID) and shown as 待发送;
//   - the queue is sent in order when the server answers again, with back-off; the server's
//     idempotency by client UUID makes a resend after a cut-off send harmless;
//   - a conflict (409) or a refusal is kept for the officer to see (the outbox, /offline/);
//   - the header shows how many records wait and when the last sync was; the phone reports
//     its queue length to the server;
//   - logging out warns about unsent records, then wipes the phone's store and caches.
(function () {
  "use strict";
  const store = window.zfStore;
  const userMeta = document.querySelector('meta[name="zf-user"]');
  if (!store || !userMeta || !window.indexedDB || !window.crypto || !crypto.subtle) return;
  const USER = userMeta.content;
  const TZ = (document.querySelector('meta[name="zf-tz"]') || {}).content || "+08:00";
  const TEXT = JSON.parse((document.getElementById("zf-offline-text") || {}).textContent || "{}");
  const KEEP_EVERY_MS = 15 * 60 * 1000;
  const SYNC_EVERY_MS = 20 * 1000;
  const BACKOFF_MIN_MS = 5 * 1000;
  const BACKOFF_MAX_MS = 5 * 60 * 1000;
  // A copy kept while a form is sent the usual way is not sent by this page's timers while
  // that POST may still be on its way; the next page from the server sends it at once.
  const NATIVE_GRACE_MS = 2 * 60 * 1000;
  let syncing = null;

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, (m, k) => (k in values ? values[k] : m));
  }
  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function hhmm(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- flash messages across a navigation (the next page may be a kept copy)
  function flash(kind, text) {
    sessionStorage.setItem("zf-flash", JSON.stringify({ kind, text }));
  }
  function showFlash() {
    const raw = sessionStorage.getItem("zf-flash");
    if (!raw) return;
    sessionStorage.removeItem("zf-flash");
    const { kind, text } = JSON.parse(raw);
    alertBox(kind, text, "flash");
  }
  function alertBox(kind, text, tag) {
    const main = document.querySelector("main");
    if (!main) return null;
    const div = document.createElement("div");
    div.className = `alert alert-${kind}`;
    div.setAttribute("role", "alert");
    div.dataset.zfAlert = tag;
    div.textContent = text;
    main.prepend(div);
    return div;
  }

  // ---- the queue
  async function mine() {
    return (await store.queueAll()).filter((r) => r.user === USER);
  }
  // `extra`: what else the record carries — `native` (a copy of a form sent the usual way),
  // `page` (the form's address, to correct a refused record), `photos` (kept from before).
  async function enqueue(kind, payload, summary, photos, next, extra = {}) {
    const sealedPhotos = [...(extra.photos || [])];
    for (const file of photos) {
      sealedPhotos.push({
        uuid: uuid(), name: file.name || "photo.jpg", type: file.type || "image/jpeg",
        box: await store.seal(await file.arrayBuffer()), sent: false,
      });
    }
    const record = {
      id: payload.client_uuid, seq: Date.now() + Math.random(), user: USER, kind,
      created_at: new Date().toISOString(), state: "pending", attempts: 0, next_at: 0,
      error: "", box: await store.seal({ payload, summary, next }), photos: sealedPhotos,
      visit_sent: false, native: Boolean(extra.native), page: extra.page || location.pathname,
    };
    if (record.native) record.next_at = Date.now() + NATIVE_GRACE_MS;
    await store.queuePut(record);
    return record;
  }

  // ---- talking to the server
  async function call(method, url, body, isForm) {
    const headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
    if (!isForm) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method, headers, credentials: "same-origin", body: isForm ? body : JSON.stringify(body),
      signal: AbortSignal.timeout ? AbortSignal.timeout(30000) : undefined,
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }
  async function signedIn() {
    try {
      const r = await fetch("/offline/ping", { cache: "no-store", credentials: "same-origin",
        signal: AbortSignal.timeout ? AbortSignal.timeout(4000) : undefined });
      return r.status === 204 ? "yes" : r.status === 401 ? "no" : "unknown";
    } catch (e) {
      return "offline";
    }
  }

  function detailText(data) {
    if (!data) return "";
    const d = data.detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map((e) => (e && e.msg ? `${(e.loc || []).slice(-1)[0] || ""} ${e.msg}` : String(e))).join("; ");
    if (d && typeof d === "object") return Object.entries(d).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ");
    return "";
  }

  // What one answer means for a record: "sent", "offline", "login", "later", "conflict", "refused".
  async function judge(record, answer) {
    const s = answer.status;
    if (s === 200 || s === 201) return "sent";
    if (s === 401) return "login";
    if (s === 403 && (await signedIn()) === "no") return "login";
    if (s === 409 && record.native) {
      // Only this form ever carried its UUID (the server made it for this form): what the
      // server holds under it is the officer's own submission, which did arrive.
      return "sent";
    }
    if (s === 409) {
      record.state = "conflict";
      record.server = answer.data && answer.data.existing ? await store.seal(answer.data.existing) : null;
      record.error = detailText(answer.data);
      return "conflict";
    }
    if (s === 429 || s >= 500) return "later";
    record.state = "refused";
    record.error = detailText(answer.data) || String(s);
    return "refused";
  }

  async function sendOne(record) {
    const { payload } = await store.unseal(record.box);
    let outcome;
    try {
      if (record.kind === "finding") {
        const answer = await call("POST", "/api/v1/findings/", payload);
        outcome = await judge(record, answer);
      } else {
        outcome = "sent";
        if (!record.visit_sent) {
          const answer = await call("POST", "/api/v1/visits/", payload);
          outcome = await judge(record, answer);
          if (outcome === "sent") {
            record.visit_sent = true;
            if (answer.data && answer.data.call_in) await store.metaSet("call_in", true);
            // A copy of a form sent the usual way: the form's POST carried the photos; the
            // server has them when it had the visit (200, 409) or counts them on it.
            const onServer = answer.data && answer.data.photo_count;
            if (record.native && (answer.status !== 201 || onServer >= record.photos.length)) {
              record.photos.forEach((p) => { p.sent = true; p.box = null; });
            }
          }
        }
        for (const photo of outcome === "sent" ? record.photos : []) {
          if (photo.sent) continue;
          const form = new FormData();
          form.append("visit_uuid", payload.client_uuid);
          form.append("client_uuid", photo.uuid);
          form.append("file", new Blob([await store.unseal(photo.box)], { type: photo.type }), photo.name);
          const answer = await call("POST", "/api/v1/visits/photos", form, true);
          outcome = await judge(record, answer);
          if (outcome !== "sent") break;
          photo.sent = true;
          photo.box = null; // the photo's bytes leave the phone once the server has them
          await store.queuePut(record);
        }
      }
    } catch (err) {
      // No answer: the network, or a send cut off (the resend is safe).
      console.warn("zoufang offline: not sent", record.kind, String(err));
      outcome = "offline";
    }
    if (outcome === "sent") {
      await store.queueDelete(record.id);
    } else if (outcome === "offline" || outcome === "later") {
      record.attempts += 1;
      const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (record.attempts - 1));
      record.next_at = Date.now() + wait * (0.8 + 0.4 * Math.random());
      await store.queuePut(record);
    } else {
      await store.queuePut(record);
    }
    return outcome;
  }

  // Send what waits, oldest first; stop at the first record the network or the session
  // holds back (order is kept). `force` ignores the back-off (the officer asked).
  function syncNow(force) {
    if (syncing) return syncing;
    const run = async () => {
      let reached = false;
      let blocked = "";
      for (const record of await mine()) {
        if (record.state !== "pending") continue;
        if (!force && record.next_at > Date.now()) { blocked = "waiting"; break; }
        const outcome = await sendOne(record);
        if (outcome === "offline") { blocked = "offline"; break; }
        reached = true;
        if (outcome === "login") { blocked = "login"; break; }
        if (outcome === "later") { blocked = "later"; break; }
      }
      if (!blocked && !reached) reached = (await signedIn()) === "yes";
      if (reached && blocked !== "login") {
        await store.metaSet("last_sync", new Date().toISOString());
        await report();
      }
      await store.metaSet("login_needed", blocked === "login");
      await render();
      return blocked || "done";
    };
    const lock = navigator.locks ? navigator.locks.request("zf-sync", run) : run();
    syncing = lock.finally(() => { syncing = null; });
    return syncing;
  }

  async function report() {
    const records = await mine();
    const oldest = records.length ? records.map((r) => r.created_at).sort()[0] : null;
    try {
      await call("POST", "/api/v1/offline/queue", {
        pending: records.length, oldest_at: oldest, last_sync_at: await store.metaGet("last_sync"),
      });
    } catch (e) { /* reported next time */ }
  }

  // ---- what the officer sees
  async function render() {
    const records = await mine();
    const waiting = records.length;
    const conflicts = records.filter((r) => r.state !== "pending").length;
    const last = await store.metaGet("last_sync");
    document.querySelectorAll("[data-zf-sync]").forEach((el) => {
      el.hidden = false;
      el.dataset.pending = String(waiting);
      el.classList.toggle("text-bg-warning", waiting > 0 && !conflicts);
      el.classList.toggle("text-bg-danger", conflicts > 0);
      el.classList.toggle("text-bg-light", waiting === 0);
      const parts = [];
      if (waiting) parts.push(fmt(TEXT.pending, { n: waiting }));
      parts.push(last ? fmt(TEXT.last_sync, { t: hhmm(last) }) : TEXT.never_synced);
      el.textContent = parts.join(" · ");
      el.title = parts.join(" · ");
    });
    const queuedTasks = new Set();
    for (const r of records) {
      if (r.kind === "visit") queuedTasks.add(String((await store.unseal(r.box)).payload.task_id));
    }
    document.querySelectorAll("[data-task]").forEach((el) => {
      const has = el.querySelector("[data-zf-queued]");
      if (queuedTasks.has(el.dataset.task) && !has) {
        const badge = document.createElement("span");
        badge.className = "badge text-bg-warning ms-1";
        badge.dataset.zfQueued = "1";
        badge.textContent = TEXT.queued_badge;
        (el.querySelector(".small") || el).append(badge);
      }
    });
    const login = await store.metaGet("login_needed");
    const existing = document.querySelector("[data-zf-alert=login]");
    if (login && waiting && !existing) {
      const box = alertBox("warning", TEXT.login_needed + " ", "login");
      if (box) {
        const a = document.createElement("a");
        a.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
        a.textContent = TEXT.login_link;
        box.append(a);
      }
    } else if (!login && existing) existing.remove();
    if (conflicts && !document.querySelector("[data-zf-alert=conflict]") && !document.getElementById("zf-outbox")) {
      alertBox("danger", fmt(TEXT.conflicts, { n: conflicts }), "conflict");
    }
    if (await store.metaGet("call_in")) {
      await store.metaSet("call_in", false);
      alertBox("warning", TEXT.call_in, "call_in");
    }
    document.dispatchEvent(new CustomEvent("zf:queue", { detail: { waiting, conflicts } }));
  }

  // ---- capturing a form that cannot be sent
  function localInstant(value) {
    return value ? `${value.length === 16 ? value + ":00" : value}${TZ}` : null;
  }
  function numberOrNull(value) {
    const n = parseFloat(value);
    return Number.isFinite(n) ? n : null;
  }
  function labelOf(form, input) {
    const label = input && input.id ? form.querySelector(`label[for="${input.id}"]`) : null;
    return label ? label.textContent.trim() : input ? input.value : "";
  }

  function formUuid(form) {
    const input = form.querySelector("input[name=client_uuid]");
    return (input && input.value) || uuid();
  }

  // A copy kept while its form was sent the usual way, whose form the server sent back
  // (refused: the officer sees the form and its messages, and sends it again from there).
  async function dropAnswered() {
    if (document.querySelector('meta[name="zf-offline-copy"]')) return;
    for (const input of document.querySelectorAll("form[data-offline] input[name=client_uuid]")) {
      const record = input.value && (await store.queueGet(input.value));
      if (record && record.native && record.user === USER) await store.queueDelete(record.id);
    }
  }

  function visitRecord(form, clientUuid) {
    const fd = new FormData(form);
    const multi = new Set([...form.querySelectorAll('input[type=checkbox][name^="q_"]')].map((e) => e.name));
    const answers = {};
    for (const name of new Set([...fd.keys()].filter((k) => k.startsWith("q_")))) {
      const value = multi.has(name) ? fd.getAll(name) : fd.get(name);
      if (value !== "" && !(Array.isArray(value) && !value.length)) answers[name.slice(2)] = value;
    }
    const leaflets = {};
    for (const [k, v] of fd.entries()) {
      if (k.startsWith("leaflet_") && String(v).trim()) leaflets[k.slice(8)] = parseInt(v, 10) || 0;
    }
    const kinds = fd.getAll("f_kind"), texts = fd.getAll("f_description"), grades = fd.getAll("f_grade");
    const findings = kinds.map((k, i) => ({ kind: k, description: texts[i] || "", grade: grades[i] || "" }))
      .filter((f) => f.kind || f.description);
    const outcome = fd.get("outcome") || "";
    const accuracy = parseInt(fd.get("gps_accuracy"), 10);
    const payload = {
      client_uuid: clientUuid, task_id: parseInt(form.dataset.taskId, 10), outcome,
      started_at: localInstant(fd.get("started_at")), ended_at: localInstant(fd.get("ended_at")),
      members: fd.getAll("members").map((m) => parseInt(m, 10)).filter(Number.isFinite),
      method: fd.get("method") || "", latitude: numberOrNull(fd.get("latitude")),
      longitude: numberOrNull(fd.get("longitude")),
      gps_accuracy: Number.isFinite(accuracy) ? accuracy : null,
      answers, note: fd.get("note") || "", topics: fd.getAll("topics"), leaflets, findings,
      focuses: outcome === "visited" ? fd.getAll("focuses") : [],
    };
    const checkedMembers = [...form.querySelectorAll('input[name=members]:checked')].map((e) => labelOf(form, e).split(/\s+/)[0]);
    const photos = [...((form.querySelector("input[type=file]") || {}).files || [])];
    const summary = {
      title: form.dataset.label || "", outcome: labelOf(form, form.querySelector("input[name=outcome]:checked")),
      started_at: (fd.get("started_at") || "").replace("T", " "), ended_at: (fd.get("ended_at") || "").replace("T", " "),
      members: checkedMembers.join("、"), note: payload.note, topics: payload.topics.length,
      leaflets: Object.values(leaflets).reduce((a, b) => a + b, 0), findings: findings.length, photos: photos.length,
    };
    return { payload, summary, photos };
  }

  function findingRecord(form, clientUuid) {
    const fd = new FormData(form);
    const select = (name) => form.querySelector(`select[name=${name}]`);
    const chosen = (name) => { const s = select(name); return s && s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : ""; };
    const beat = parseInt(fd.get("beat"), 10);
    const payload = {
      client_uuid: clientUuid, kind: fd.get("kind") || "", description: fd.get("description") || "",
      beat_id: Number.isFinite(beat) ? beat : null, place_text: fd.get("place_text") || "",
      latitude: fd.get("latitude") || null, longitude: fd.get("longitude") || null,
      grade: fd.get("grade") || null, resident_name: fd.get("resident_name") || "",
      resident_phone: fd.get("resident_phone") || "",
    };
    const summary = {
      title: `${chosen("kind")} · ${payload.description.slice(0, 30)}`, kind: chosen("kind"),
      description: payload.description, place_text: payload.place_text, grade: chosen("grade"),
      resident_name: payload.resident_name, resident_phone: payload.resident_phone,
    };
    return { payload, summary, photos: [] };
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches("[data-zf-logout]")) return logout(event, form);
    if (!form.dataset.offline || form.dataset.zfNative === "1") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.dataset.zfBusy === "1") return;
    form.dataset.zfBusy = "1";
    const submitter = event.submitter;
    const kind = form.dataset.offline;
    const fixing = form.dataset.zfFix || "";
    const state = await signedIn();
    const build = kind === "visit" ? visitRecord : findingRecord;
    if (state === "yes" && !fixing) {
      // The server answers: the form goes the usual way (its checks, its messages). A copy
      // under the form's own UUID waits on the phone meanwhile: if the POST gets no answer
      // (network cut, timeout) or a 5xx, the copy is sent later like any record, and the
      // server's idempotency makes it harmless if the POST did arrive. It goes when the
      // server answers with the form again (refused, dropAnswered) or accepts the copy.
      const built = build(form, formUuid(form));
      await enqueue(kind, built.payload, built.summary, built.photos, form.dataset.next, { native: true });
      form.dataset.zfNative = "1";
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      return;
    }
    // Without an answer (or correcting a refused record): the form becomes a record in the
    // queue; a corrected record keeps its UUID and the photos it had.
    const before = fixing ? await store.queueGet(fixing) : null;
    const built = build(form, fixing || uuid());
    const extra = before ? { photos: before.photos.filter((p) => !p.sent), page: before.page } : {};
    await enqueue(kind, built.payload, built.summary, built.photos, form.dataset.next, extra);
    await store.metaSet("login_needed", state === "no");
    if (fixing) {
      flash("info", TEXT.corrected);
      location.assign("/offline/");
      return;
    }
    flash("warning", state === "no" ? TEXT.saved_login : TEXT.saved_offline);
    location.assign(form.dataset.next || "/offline/");
  }, true);

  // ---- logout: warn about unsent records, then leave nothing personal behind
  async function logout(event, form) {
    if (form.dataset.zfNative === "1") return;
    event.preventDefault();
    const all = await store.queueAll();
    if (all.length) {
      const choice = await askLogout(all.length);
      if (choice === "cancel") return;
      if (choice === "send") {
        await syncNow(true);
        const left = (await store.queueAll()).length;
        if (left) { alertBox("warning", fmt(TEXT.still_waiting, { n: left }), "logout"); return; }
      }
    }
    await wipe();
    form.dataset.zfNative = "1";
    form.submit();
  }

  function askLogout(n) {
    const el = document.getElementById("zf-logout-modal");
    if (!el || !window.bootstrap) return Promise.resolve(window.confirm(fmt(TEXT.logout_warning, { n })) ? "discard" : "cancel");
    el.querySelector("[data-zf-count]").textContent = fmt(TEXT.logout_warning, { n });
    const modal = bootstrap.Modal.getOrCreateInstance(el);
    return new Promise((resolve) => {
      let chosen = "cancel";
      el.querySelectorAll("[data-zf-choice]").forEach((b) => {
        b.onclick = () => { chosen = b.dataset.zfChoice; modal.hide(); };
      });
      el.addEventListener("hidden.bs.modal", () => resolve(chosen), { once: true });
      modal.show();
    });
  }

  async function wipe() {
    const reg = navigator.serviceWorker && (await navigator.serviceWorker.getRegistration());
    const worker = reg && reg.active;
    if (worker) {
      await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        worker.postMessage({ type: "wipe" }, [channel.port2]);
        setTimeout(resolve, 3000);
      });
    }
    await store.wipe();
    sessionStorage.removeItem("zf-flash");
  }

  // ---- the service worker and the pages it keeps
  async function keepPages(force) {
    if (!("serviceWorker" in navigator)) return;
    const reg = await navigator.serviceWorker.ready;
    const last = (await store.metaGet("kept")) || {};
    if (!force && last.user === USER && Date.now() - last.at < KEEP_EVERY_MS) return;
    try {
      const r = await fetch("/offline/pages.json", { cache: "no-store", credentials: "same-origin" });
      if (r.status !== 200) return;
      const list = await r.json();
      if (String(list.user) !== USER) return;
      await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        reg.active.postMessage({ type: "keep", user: USER, pages: list.pages }, [channel.port2]);
      });
      await store.metaSet("kept", { user: USER, at: Date.now() });
    } catch (e) { /* offline: the pages kept earlier stay */ }
  }

  async function start() {
    await store.metaSet("user", USER);
    await dropAnswered();
    showFlash();
    await render();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    }
    // A page that came from the server (not the phone's kept copy) shows the network is
    // back: what waits is sent now, whatever its back-off said.
    const fromServer = !document.querySelector('meta[name="zf-offline-copy"]');
    const result = await syncNow(fromServer);
    if (result === "done") keepPages(false);
    window.addEventListener("online", () => syncNow(true));
    document.addEventListener("visibilitychange", () => { if (!document.hidden) syncNow(false); });
    setInterval(() => syncNow(false), SYNC_EVERY_MS);
  }

  window.zfOffline = { syncNow, render, keepPages, mine, wipe, TEXT, USER };
  document.addEventListener("DOMContentLoaded", () => start().catch((e) => console.error(e)));
})();
