// Warehouse screens: a scanner types a code and presses Enter. The scan field keeps the
// focus; each scan posts with fetch (queued, in order) and answers with a green flash and a beep, or a red
// flash, a low buzz and the reason. Sounds are synthesised (Web Audio), no files.
// Delegated on document and set up once, so it survives htmx page swaps.
(function () {
  "use strict";
  if (window.sellerdeskWarehouse) { window.sellerdeskWarehouse.focus(); return; }

  var audio = null;
  function tone(frequency, seconds, type, volume) {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = type;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(volume, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + seconds);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + seconds);
    } catch (error) { /* no sound: the colours still tell */ }
  }
  function beep() { tone(1046, 0.12, "sine", 0.25); }
  function buzz() { tone(110, 0.45, "sawtooth", 0.35); }

  function scanInput() {
    var inputs = document.querySelectorAll("[data-scan-input]");
    return inputs.length ? inputs[inputs.length - 1] : null;
  }
  function focus() {
    var input = scanInput();
    if (input && document.activeElement !== input) { input.focus(); input.select(); }
  }
  var flashTimer = null;
  function feedback(ok, message) {
    var box = document.getElementById("scan-feedback");
    if (box) {
      box.textContent = message || "";
      box.className = "scan-feedback " + (ok ? "good" : "bad");
    }
    document.body.classList.remove("flash-good", "flash-bad");
    void document.body.offsetWidth; // restart the animation
    document.body.classList.add(ok ? "flash-good" : "flash-bad");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { document.body.classList.remove("flash-good", "flash-bad"); }, 900);
    if (ok) { beep(); } else { buzz(); }
    var log = document.querySelector("[data-scan-log]");
    if (log && message) {
      var item = document.createElement("li");
      item.className = ok ? "good" : "bad";
      item.textContent = message;
      log.insertBefore(item, log.firstChild);
    }
  }

  // Scans are sent one after the other, in the order they were made: a scanner fires
  // faster than the server answers, and no scan may be lost or reordered.
  var queue = Promise.resolve();
  function send(form, data) {
    return fetch(form.action, { method: "POST", body: data, headers: { "X-Scan": "1" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, message: response.statusText || "Error " + response.status }; });
      })
      .then(function (answer) {
        feedback(answer.ok, answer.message);
        if (answer.redirect) { window.location.assign(answer.redirect); return; }
        var target = form.getAttribute("data-target");
        if (answer.html && target) {
          var panel = document.querySelector(target);
          if (panel) {
            // What the scanner has typed meanwhile survives the new panel.
            var typing = scanInput();
            var pending = typing && panel.contains(typing) ? typing.value : "";
            panel.innerHTML = answer.html;
            var fresh = scanInput();
            if (fresh && pending) { fresh.value = pending; }
            if (fresh) { fresh.focus(); fresh.setSelectionRange(fresh.value.length, fresh.value.length); }
          }
        }
      })
      .catch(function () {
        var box = document.getElementById("scan-feedback");
        feedback(false, (box && box.getAttribute("data-network-error")) || "Network error: scan again.");
      })
      .finally(function () { setTimeout(focus, 0); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-scan-form]")) return;
    event.preventDefault();
    var input = form.querySelector("[data-scan-input]");
    if (input && !input.value.trim()) { focus(); return; }
    var data = new FormData(form);
    if (input) input.value = "";
    queue = queue.then(function () { return send(form, data); });
  });

  // Keep the scan field focused: a scanner types into whatever has the focus.
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) focus();
    }, 50);
  });
  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return;
    if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) focus();
  });
  document.addEventListener("htmx:afterSettle", focus);
  document.addEventListener("DOMContentLoaded", focus);

  window.sellerdeskWarehouse = { focus: focus, feedback: feedback };
  focus();
})();
