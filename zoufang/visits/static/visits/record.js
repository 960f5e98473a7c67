// The visit form: show the questions that apply, take a GPS fix, add finding rows.
(function () {
  const form = document.getElementById("visit-form");
  if (!form) return;

  function outcome() {
    const checked = form.querySelector("input[name=outcome]:checked");
    return checked ? checked.value : "";
  }
  function refresh() {
    // The form's questions are for a visit that happened; other outcomes need only a note.
    const visited = outcome() === "visited" || outcome() === "";
    form.querySelectorAll(".visited-only").forEach((el) => { el.hidden = !visited; });
    form.querySelectorAll("[data-show-if]").forEach((el) => {
      const yes = form.querySelector(`input[name="${el.dataset.showIf}"][value=yes]`);
      el.hidden = !(yes && yes.checked);
    });
  }
  form.addEventListener("change", refresh);
  refresh();

  const gps = document.getElementById("gps-button");
  const status = document.getElementById("gps-status");
  if (gps) {
    gps.addEventListener("click", () => {
      if (!navigator.geolocation) { status.textContent = gps.dataset.unavailable || "—"; return; }
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          document.getElementById("latitude").value = pos.coords.latitude.toFixed(6);
          document.getElementById("longitude").value = pos.coords.longitude.toFixed(6);
          document.getElementById("gps_accuracy").value = Math.round(pos.coords.accuracy);
          status.textContent = `${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)} (±${Math.round(pos.coords.accuracy)} m)`;
        },
        (err) => { status.textContent = err.message; },
        { enableHighAccuracy: true, timeout: 15000 }
      );
    });
  }

  const add = document.getElementById("add-finding");
  if (add) {
    add.addEventListener("click", () => {
      const rows = form.querySelectorAll(".finding-row");
      const copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("select, textarea").forEach((el) => { el.value = ""; });
      add.before(copy);
      copy.querySelector("select").focus();
    });
  }
  const all = document.getElementById("all-topics");
  if (all) {
    all.addEventListener("click", () => {
      form.querySelectorAll("input[name=topics]").forEach((el) => { el.checked = true; });
    });
  }
  // A second tap on submit while the first is on its way sends nothing new (the server
  // would answer with the same visit anyway: the form carries its own UUID).
  form.addEventListener("submit", () => {
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
})();
