// Manual order entry by keyboard (orders/entry.html), and "n" for it on the order list.
// Loaded from the page body (a boosted visit swaps the body only), so it may run more than
// once: it sets itself up once, with listeners delegated on document.
(function () {
  "use strict";
  if (window.sellerdeskOrderEntry) return;
  window.sellerdeskOrderEntry = true;

  function entryForm() { return document.querySelector("[data-order-entry]"); }
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function fire(element, name) {
    if (window.htmx) window.htmx.trigger(element, name);
  }
  function cents(text) {
    var value = String(text || "").trim();
    if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
    var parts = value.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }
  function money(amount) {
    return "¥" + Math.floor(amount / 100) + "." + String(amount % 100).padStart(2, "0");
  }
  function pickButtons() { return Array.prototype.slice.call(document.querySelectorAll("[data-entry-pick]")); }

  // A line's price follows the price list's tier at its quantity while the agent has not
  // typed another price; amounts and the total follow every keystroke.
  function requote(row) {
    var quantity = parseInt(row.querySelector("[data-entry-quantity]").value, 10);
    var price = row.querySelector("[data-entry-price]");
    var quoted = row.querySelector("[data-entry-quoted]");
    var tiers = JSON.parse(row.getAttribute("data-tiers") || "[]");
    if (!tiers.length || !(quantity > 0)) return;
    var tier = tiers.filter(function (each) { return each[0] <= quantity; }).pop();
    if (tier && price.value.trim() === quoted.value.trim()) {
      price.value = tier[1];
      quoted.value = tier[1];
    }
  }
  function totals() {
    var form = entryForm();
    if (!form) return;
    var subtotal = 0;
    form.querySelectorAll("[data-entry-line]").forEach(function (row) {
      var quantity = parseInt(row.querySelector("[data-entry-quantity]").value, 10);
      var price = cents(row.querySelector("[data-entry-price]").value);
      var cell = row.querySelector("[data-entry-amount]");
      var ok = /^\d+$/.test(row.querySelector("[data-entry-quantity]").value.trim()) && price !== null;
      cell.textContent = ok ? money(quantity * price) : "";
      if (ok) subtotal += quantity * price;
    });
    var sub = form.querySelector("[data-entry-subtotal]");
    if (sub) sub.textContent = money(subtotal);
    var fee = cents((form.querySelector("#id_shipping_fee") || {}).value || "0") || 0;
    var total = form.querySelector("[data-entry-total]");
    if (total) total.textContent = money(subtotal + fee);
  }

  var pickFirstWhenFound = false;

  // Scans are sent one at a time, in order: a scanner types the next code while the
  // last one is on its way, so the field is emptied at once and each code queued.
  var scans = [];
  var scanning = false;
  function scan(code) {
    scans.push(code);
    sendScan();
  }
  function sendScan() {
    var form = entryForm();
    if (scanning || !scans.length || !form || !window.htmx) return;
    scanning = true;
    var code = scans.shift();
    var done = function () { scanning = false; sendScan(); };
    window.htmx.ajax("POST", form.getAttribute("data-lines-url"), {
      source: form, target: "#entry-lines", swap: "innerHTML", values: { scan: code }
    }).then(done, done);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var form = entryForm();
    if (!form) {
      // The order list: Alt+N opens a new order, even from its search box (focused when
      // the list opens); "n" too when not typing. (The service desk's Alt+Q is the only
      // other Alt key; event.code, as there, because macOS turns Alt+N into a dead key.)
      var isAltN = event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyN";
      var isN = event.key === "n" && !event.altKey && !event.ctrlKey && !event.metaKey && !typing(target);
      var link = document.querySelector("[data-new-order]");
      if (link && (isAltN || isN)) { event.preventDefault(); link.click(); }
      return;
    }
    if (!form.contains(target)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (target.id === "entry-find") {
      if (event.key === "ArrowDown") {
        var first = pickButtons()[0];
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Enter") {
        event.preventDefault();
        // The first buyer found for what is in the box now, else the first when they come.
        var found = document.querySelector("[data-entry-found]");
        var buttons = pickButtons();
        if (buttons.length && found && found.getAttribute("data-entry-found") === target.value.trim()) buttons[0].click();
        else if (target.value.trim().length >= 2) { pickFirstWhenFound = true; fire(target, "find"); }
      }
      return;
    }
    if (target.matches("[data-entry-pick]") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var all = pickButtons();
      var index = all.indexOf(target) + (event.key === "ArrowDown" ? 1 : -1);
      event.preventDefault();
      if (index < 0) document.getElementById("entry-find").focus();
      else if (all[index]) all[index].focus();
      return;
    }
    if (event.key !== "Enter" || event.shiftKey || event.altKey) return;
    if (target.id === "entry-paste") {
      event.preventDefault();
      if (target.value.trim()) fire(target, "split");
    } else if (target.id === "entry-scan") {
      event.preventDefault();
      if (target.value.trim()) { scan(target.value.trim()); target.value = ""; }
    } else if (target.matches("[data-entry-quantity], [data-entry-price]")) {
      // Back to the scan field for the next line.
      event.preventDefault();
      document.getElementById("entry-scan").focus();
    } else if (target.tagName === "INPUT" || target.tagName === "SELECT") {
      // Enter in a field never places the order by accident: Ctrl+Enter or the button does.
      event.preventDefault();
    }
  });

  // A found buyer's address is picked by Enter or a click on it (handled here rather than
  // by hx-get, so that a pick made the moment the list appears is not lost).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-entry-pick]");
    if (!button || !window.htmx) return;
    event.preventDefault();
    window.htmx.ajax("GET", button.getAttribute("data-url"), { source: button, target: "#entry-address", swap: "innerHTML" });
  });

  document.addEventListener("input", function (event) {
    var form = entryForm();
    if (!form || !form.contains(event.target)) return;
    var row = event.target.closest("[data-entry-line]");
    if (row && event.target.matches("[data-entry-quantity]")) requote(row);
    if (row || event.target.id === "id_shipping_fee") totals();
  });

  document.addEventListener("change", function (event) {
    // The payment method follows the source (COD, remittance); the agent may change it after.
    if (event.target.id !== "id_source") return;
    var form = entryForm();
    var payment = document.getElementById("id_payment_method");
    if (!form || !payment) return;
    var map = JSON.parse(form.getAttribute("data-payment-of-source") || "{}");
    payment.value = map[event.target.value] || "online";
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var form = entryForm();
    var target = event.detail && event.detail.target;
    if (!form || !target) return;
    if (target.id === "entry-buyers" && pickFirstWhenFound) {
      pickFirstWhenFound = false;
      var first = pickButtons()[0];
      if (first) first.click();
    } else if (target.id === "entry-address") {
      var invalid = target.querySelector("[aria-invalid=true]");
      if (invalid) { invalid.focus(); invalid.select(); return; }
      var picked = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (picked && picked.matches && picked.matches("[data-entry-pick]")) {
        document.getElementById("entry-buyers").innerHTML = "";
        // The customer's level may price the lines already added otherwise.
        if (form.querySelector("[data-entry-line]")) scan("");
      }
      var province = document.getElementById("id_province");
      document.getElementById(province && !province.value ? "entry-paste" : "entry-scan").focus();
    } else if (target.id === "entry-lines") {
      // A refused code comes back into the empty scan field, selected, to be corrected.
      var field = document.getElementById("entry-scan");
      var refused = target.querySelector("[data-scan-error]");
      if (refused && !field.value && document.activeElement === field) {
        field.value = refused.getAttribute("data-scan-error");
        field.select();
      }
      totals();
    }
  });

  // After a refused submit the page comes back with the errors: the first bad field gets the focus.
  function focusFirstError() {
    var form = entryForm();
    var invalid = form && form.querySelector("[aria-invalid=true], .field-error");
    if (!invalid) return;
    var field = invalid.matches("input, select, textarea") ? invalid : invalid.parentElement.querySelector("input, select, textarea");
    if (field) field.focus();
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.target === document.body) focusFirstError();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstError);
  else focusFirstError();
})();
