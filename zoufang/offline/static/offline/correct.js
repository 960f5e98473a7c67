// Correcting a record the server refused (422): the outbox opens the record's form at
// `<form page>#zf-fix=<record id>`; this fills the form in from the queued record and marks it,
// so that offline.js puts the corrected record back in the queue under the same client UUID
// (with the photos it had) and sends it. Works on a kept copy of the form too (the address's
// fragment never reaches the server).
(function () {
  "use strict";
  const store = window.zfStore;
  const match = location.hash.match(/^#zf-fix=([0-9a-f-]{36})$/);
  if (!store || !match) return;
  const ID = match[1];

  // Set the field(s) called `name` to `value` (a list for checkboxes and multiple choices).
  function fill(form, name, value) {
    const fields = [...form.querySelectorAll("[name]")].filter((e) => e.name === name);
    const values = [].concat(value ?? "").map((v) => String(v));
    for (const field of fields) {
      if (field.type === "checkbox" || field.type === "radio") field.checked = values.includes(field.value);
      else if (field.type !== "file") field.value = values[0];
    }
  }
  const localTime = (instant) => (instant ? String(instant).slice(0, 16) : "");

  function fillVisit(form, p) {
    fill(form, "outcome", p.outcome);
    fill(form, "started_at", localTime(p.started_at));
    fill(form, "ended_at", localTime(p.ended_at));
    fill(form, "members", p.members || []);
    fill(form, "method", p.method);
    for (const key of ["latitude", "longitude", "gps_accuracy"]) fill(form, key, p[key] ?? "");
    fill(form, "note", p.note || "");
    fill(form, "topics", p.topics || []);
    fill(form, "focuses", p.focuses || []);
    for (const [code, n] of Object.entries(p.leaflets || {})) fill(form, `leaflet_${code}`, n);
    for (const [code, value] of Object.entries(p.answers || {})) fill(form, `q_${code}`, value);
    const add = document.getElementById("add-finding");
    (p.findings || []).forEach((f, i) => {
      if (i && add) add.click();
      const rows = form.querySelectorAll(".finding-row");
      const row = rows[rows.length - 1];
      if (!row) return;
      fill(row, "f_kind", f.kind);
      fill(row, "f_description", f.description);
      fill(row, "f_grade", f.grade);
    });
  }

  function fillFinding(form, p) {
    for (const key of ["kind", "description", "beat", "place_text", "latitude", "longitude", "grade", "resident_name", "resident_phone"]) {
      const value = key === "beat" ? p.beat_id : p[key];
      fill(form, key, value ?? "");
    }
  }

  async function start() {
    const form = document.querySelector(`form[data-offline]`);
    const text = (window.zfOffline || {}).TEXT || {};
    const record = await store.queueGet(ID);
    const user = (document.querySelector('meta[name="zf-user"]') || {}).content;
    if (!form || !record || record.user !== user || record.kind !== form.dataset.offline) return;
    const { payload } = await store.unseal(record.box);
    (record.kind === "visit" ? fillVisit : fillFinding)(form, payload);
    form.dataset.zfFix = ID;
    // The form's own scripts show the questions that apply to what was filled in.
    form.dispatchEvent(new Event("change", { bubbles: true }));
    const box = document.createElement("div");
    box.className = "alert alert-warning";
    box.dataset.zfAlert = "fix";
    box.setAttribute("role", "alert");
    const kept = record.photos.filter((ph) => !ph.sent).length;
    box.append(document.createTextNode(text.correcting || ""));
    if (record.error) {
      const why = document.createElement("div");
      why.className = "small mt-1 text-break";
      why.textContent = record.error;
      box.append(why);
    }
    if (kept) {
      const photos = document.createElement("div");
      photos.className = "small mt-1";
      photos.textContent = String(text.kept_photos || "").replace("%(n)s", kept);
      box.append(photos);
    }
    form.before(box);
  }

  document.addEventListener("DOMContentLoaded", () => start().catch((e) => console.error(e)));
})();
