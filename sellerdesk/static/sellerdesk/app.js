// Small keyboard helpers. Delegated on document, so they survive htmx body swaps.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    // "/" jumps to the search box, as in many tools; not while typing in a field.
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var search = document.getElementById("id_q");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();
