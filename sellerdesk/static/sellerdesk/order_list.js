// The order list: ticking rows (select all on the page, the count of ticked ones) and a
// search box that takes a pasted list of numbers. Rows are swapped in by htmx when the
// filters change, so everything here listens on the document.
(function () {
  "use strict";
  if (window.sellerdeskOrderList) { return; }  // a boosted visit runs the page's scripts again
  window.sellerdeskOrderList = true;

  function rows() {
    return Array.from(document.querySelectorAll("input[data-select-row]"));
  }

  function refresh() {
    var ticked = rows().filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-selected-count]").forEach(function (out) { out.textContent = String(ticked); });
    var all = document.querySelector("input[data-select-all]");
    if (all) {
      all.checked = ticked > 0 && ticked === rows().length;
      all.indeterminate = ticked > 0 && ticked < rows().length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.hasAttribute("data-select-all")) {
      rows().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.hasAttribute("data-select-all") || target.hasAttribute("data-select-row")) refresh();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
  refresh();

  // The filters change without reloading the page (htmx swaps the results and pushes the
  // address): the export link, the saved view and the bulk moves take the filters of the
  // address at the moment they are used, not those the page was first drawn with.
  function currentQuery() {
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    return params.toString();
  }
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-current-query]") : null;
    if (!link) return;
    var query = currentQuery();
    link.href = link.getAttribute("data-current-query") + (query ? "?" + query : "");
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-current-query")) return;
    var field = form.querySelector("input[name=query]");
    if (field) field.value = currentQuery();
    if (form.id === "bulk-form") form.action = window.location.pathname + window.location.search;
  }, true);

  // A one-line search box drops the line breaks of a pasted column of numbers (they would
  // run together): keep them apart with commas, which the server reads as a list.
  document.addEventListener("paste", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-number-list")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\r\n]/.test(text)) return;
    event.preventDefault();
    var joined = text.split(/[\r\n]+/).map(function (s) { return s.trim(); }).filter(Boolean).join(", ");
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + joined + box.value.slice(end);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
