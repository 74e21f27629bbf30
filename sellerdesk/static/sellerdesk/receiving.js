// Receiving by scanning: a scan of goods on the purchase order is counted here at once,
// so scans as fast as a scanner fires are never lost to a page load; any other code goes
// to the server, which answers why it is refused. "Receive" posts the counts.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_whole, key) {
      return values[key] !== undefined ? String(values[key]) : "";
    });
  }

  function count(row, kind) {
    var input = row.querySelector('input[name^="' + kind + '_"]');
    return input ? parseInt(input.value, 10) || 0 : 0;
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field || field.id !== "id_scan") return;
    var form = document.getElementById("receive-form");
    var code = field.value.trim();
    if (!form || !code) return;
    var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-sku]"));
    var row = rows.find(function (each) {
      return each.dataset.barcode === code || each.dataset.sku.toLowerCase() === code.toLowerCase();
    });
    if (!row) return; // the server says what is wrong with it
    event.preventDefault();
    var checked = form.querySelector('input[name="mode"]:checked');
    var kind = checked ? checked.value : "good";
    var input = row.querySelector('input[name^="' + kind + '_"]');
    input.value = String(count(row, kind) + 1);
    var total = count(row, "good") + count(row, "damaged");
    var outstanding = parseInt(row.dataset.outstanding, 10) || 0;
    var over = total > outstanding;
    rows.forEach(function (each) { each.classList.remove("is-last"); });
    row.classList.add("is-last");
    row.classList.toggle("is-over", over);
    var result = form.querySelector('[data-testid="scan-result"]');
    var values = { name: row.dataset.name, total: total, outstanding: outstanding };
    result.hidden = false;
    result.className = "scan-result scan-" + (over ? "over" : "ok");
    result.dataset.kind = over ? "over" : "ok";
    result.setAttribute("role", over ? "alert" : "status");
    result.textContent = fill(over ? form.dataset.msgOver : form.dataset.msgOk, values);
    // "damaged" is for the one unit just scanned: the next is good unless marked again.
    var good = form.querySelector('input[name="mode"][value="good"]');
    if (good) good.checked = true;
    field.value = "";
    field.focus();
  });
})();
