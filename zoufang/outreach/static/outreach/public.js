// The public page's proof of work (zoufang/outreach/guard.py): before a form is sent, find a
// counter such that SHA-256("<challenge>:<counter>") starts with `bits` zero bits. No
// third-party service; the server checks the answer and spends the challenge.
(function () {
  "use strict";

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      if (b === 0) { bits += 8; continue; }
      while ((b & 0x80) === 0) { bits += 1; b <<= 1; }
      break;
    }
    return bits;
  }

  async function solve(challenge, bits) {
    var enc = new TextEncoder();
    for (var counter = 0; ; counter++) {
      var digest = await crypto.subtle.digest("SHA-256", enc.encode(challenge + ":" + counter));
      if (zeroBits(new Uint8Array(digest)) >= bits) { return String(counter); }
    }
  }

  function bind(form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      var answer = form.querySelector("input[name=answer]");
      if (sending || answer.value) { return; }
      event.preventDefault();
      if (!window.crypto || !crypto.subtle) {
        form.submit();  // the server refuses it calmly and says why
        return;
      }
      sending = true;
      var note = form.querySelector(".pow-note");
      var button = form.querySelector("button[type=submit]");
      if (note) { note.hidden = false; }
      if (button) { button.disabled = true; }
      var challenge = form.querySelector("input[name=challenge]").value;
      solve(challenge, parseInt(form.dataset.bits, 10) || 0).then(function (value) {
        answer.value = value;
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-pow]").forEach(bind);
    // A date field offers today onwards.
    document.querySelectorAll("input[type=date][name=date]").forEach(function (input) {
      var d = new Date();
      input.min = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
    });
  });
})();
