// Small keyboard helpers. Delegated on document, so they survive htmx body swaps.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    // "/" jumps to the search box, as in many tools; not while typing in a field.
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    // The page's own search box if it has one (the order list), else the top bar's.
    var search = document.getElementById("id_q") || document.getElementById("topbar-q");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();

// The top bar's "More" links close when a click lands elsewhere or on Escape.
(function () {
  "use strict";
  function closeMore(except) {
    document.querySelectorAll("details.more[open]").forEach(function (more) {
      if (more !== except) more.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMore(event.target.closest ? event.target.closest("details.more") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMore(null);
  });
})();

// A write that gave up waiting for the database (503 database_busy) answers with its
// message; htmx does not swap error answers, so show it above the page.
(function () {
  "use strict";
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var main = document.getElementById("main");
    if (!xhr || xhr.status !== 503 || !main) return;
    var box = document.createElement("div");
    box.className = "messages";
    box.innerHTML = xhr.responseText;
    main.insertBefore(box, main.firstChild);
  });
})();
