// After-sales screens, keyboard first. Delegated on document and set up once, so it
// survives htmx page swaps.
//  - The queue: j/k move between cases, x ticks the case, Enter opens it; the bulk bar
//    counts the ticked cases.
//  - The refund form: the total follows the typed amounts.
//  - The inspection page: each unit is graded good (G) or defective (D) in turn; the
//    toggle starts empty for every unit; Backspace undoes the last one; the counts and
//    the good/defective fields follow.
(function () {
  "use strict";
  if (window.sellerdeskAftersales) { window.sellerdeskAftersales.setUp(); return; }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_whole, key) {
      return values[key] !== undefined ? String(values[key]) : "";
    });
  }

  // --- the queue ---------------------------------------------------------------------------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue] [data-case-row]")); }
  function countTicked() {
    var label = document.querySelector("[data-selected-count]");
    if (!label) return;
    var ticked = document.querySelectorAll('[data-queue] input[name="ids"]:checked').length;
    label.textContent = fill(label.getAttribute("data-template"), { n: ticked });
  }
  function moveFocus(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.findIndex(function (row) { return row.classList.contains("is-focused"); });
    index = Math.max(0, Math.min(all.length - 1, index + step));
    all.forEach(function (row) { row.classList.remove("is-focused"); });
    all[index].classList.add("is-focused");
    var link = all[index].querySelector("a.rowlink");
    if (link) link.focus();
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-tick-all]")) {
      document.querySelectorAll('[data-queue] input[name="ids"]').forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches && target.matches('[data-queue] input[type="checkbox"]')) countTicked();
  });

  // --- the refund form ------------------------------------------------------------------------
  function money(value) {
    var number = parseFloat(String(value || "0").replace(",", "."));
    return isNaN(number) ? 0 : Math.round(number * 100);
  }
  function refundTotal(form) {
    var cents = 0;
    form.querySelectorAll("input").forEach(function (input) {
      var name = input.name || "";
      if (name.indexOf("goods_") === 0 || name === "shipping" || name === "price_difference" || name === "compensation") cents += money(input.value);
      if (name === "buyer_postage") cents -= money(input.value);
    });
    var total = form.querySelector("[data-refund-total]");
    if (total) total.textContent = (cents < 0 ? "−¥" : "¥") + (Math.abs(cents) / 100).toFixed(2);
  }
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-refund-form]");
    if (form) refundTotal(form);
    var inspect = event.target.closest && event.target.closest("[data-inspect-form]");
    if (inspect && event.target.hasAttribute("data-received")) buildUnits(inspect);
  });

  // --- the inspection page ------------------------------------------------------------------
  var grader = null;  // {form, units: [{line, sku}], grades: ["good"|"defective"]}
  function receivedOf(row) {
    var input = row.querySelector("[data-received]");
    if (input) return Math.max(0, parseInt(input.value, 10) || 0);
    var fixed = row.querySelector("[data-received-fixed]");
    return fixed ? parseInt(fixed.getAttribute("data-received-fixed"), 10) || 0 : 0;
  }
  function buildUnits(form) {
    var units = [];
    form.querySelectorAll("tr[data-line]").forEach(function (row) {
      for (var i = 0; i < receivedOf(row); i++) units.push({ line: row.getAttribute("data-line"), sku: row.getAttribute("data-sku") });
    });
    grader = { form: form, units: units, grades: [] };
    render();
  }
  function render() {
    if (!grader) return;
    var form = grader.form;
    var counts = {};
    grader.units.forEach(function (unit) { counts[unit.line] = counts[unit.line] || { good: 0, defective: 0 }; });
    grader.grades.forEach(function (grade, index) { counts[grader.units[index].line][grade] += 1; });
    form.querySelectorAll("tr[data-line]").forEach(function (row) {
      var line = row.getAttribute("data-line");
      var count = counts[line] || { good: 0, defective: 0 };
      var good = row.querySelector("[data-good]");
      var defective = row.querySelector("[data-defective]");
      if (good) good.value = count.good;
      if (defective) defective.value = count.defective;
    });
    var list = form.querySelector("[data-units]");
    if (list) {
      list.innerHTML = "";
      grader.units.forEach(function (unit, index) {
        var item = document.createElement("li");
        var grade = grader.grades[index];
        item.className = (grade || "") + (index === grader.grades.length ? " current" : "");
        item.textContent = (index + 1) + " " + unit.sku + (grade === "good" ? " ✓" : grade === "defective" ? " ✗" : "");
        list.appendChild(item);
      });
    }
    // The toggle is empty for the unit now being graded: no grade carries over.
    form.querySelectorAll("[data-grade]").forEach(function (button) { button.setAttribute("aria-pressed", "false"); });
    var current = form.querySelector("[data-grader-current]");
    if (current) {
      var done = grader.grades.length >= grader.units.length;
      current.textContent = done
        ? form.getAttribute("data-msg-done")
        : fill(form.getAttribute("data-msg-unit"), { n: grader.grades.length + 1, total: grader.units.length, sku: grader.units[grader.grades.length].sku });
      current.setAttribute("data-done", done ? "1" : "0");
    }
  }
  function grade(kind) {
    if (!grader || grader.grades.length >= grader.units.length) return;
    var button = grader.form.querySelector('[data-grade="' + kind + '"]');
    if (button) button.setAttribute("aria-pressed", "true");
    grader.grades.push(kind);
    setTimeout(render, 120);  // the pressed toggle shows a moment, then resets for the next unit
    if (window.sellerdeskWarehouse) window.sellerdeskWarehouse.feedback(kind === "good", "");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-grade]");
    if (button) { event.preventDefault(); grade(button.getAttribute("data-grade")); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (grader && document.body.contains(grader.form) && !typing(event.target)) {
      if (key === "g" || key === "G" || key === "1") { event.preventDefault(); grade("good"); return; }
      if (key === "d" || key === "D" || key === "2") { event.preventDefault(); grade("defective"); return; }
      if (key === "Backspace" || key === "u") { event.preventDefault(); grader.grades.pop(); render(); return; }
      if (key === "Enter" && grader.grades.length >= grader.units.length) { event.preventDefault(); grader.form.requestSubmit(); return; }
    }
    if (typing(event.target)) return;
    if (!document.querySelector("[data-queue]")) return;
    if (key === "j") { event.preventDefault(); moveFocus(1); }
    if (key === "k") { event.preventDefault(); moveFocus(-1); }
    if (key === "x") {
      var row = document.querySelector("[data-queue] .is-focused");
      var box = row && row.querySelector('input[name="ids"]');
      if (box) { event.preventDefault(); box.checked = !box.checked; countTicked(); }
    }
  });

  function setUp() {
    var form = document.querySelector("[data-inspect-form]");
    if (form && form.querySelector("[data-grader]")) {
      buildUnits(form);
      form.querySelector("[data-grader]").focus();
    } else {
      grader = null;
    }
    document.querySelectorAll("[data-refund-form]").forEach(refundTotal);
    countTicked();
  }
  document.addEventListener("htmx:afterSettle", setUp);
  document.addEventListener("DOMContentLoaded", setUp);
  window.sellerdeskAftersales = { setUp: setUp };
  if (document.readyState !== "loading") setUp();
})();
