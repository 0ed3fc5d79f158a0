/* Staff tables (`table.data`): sort by a column (its header becomes a button; `aria-sort`
 * says the order), and tick rows for a bulk action (`data-select-all` ticks every row's
 * box; `[data-selected]` counts the ticked ones). Without script the tables still show and
 * the forms still post what is ticked. */
(function () {
  "use strict";

  function value(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
  }

  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      if (!th.hasAttribute("data-sort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-sort") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a, index), y = value(b, index);
          var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, document.documentElement.lang);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function selectable(table) {
    var all = table.querySelector("input[data-select-all]");
    var boxes = table.querySelectorAll("tbody input[type=checkbox]");
    var counter = document.getElementById(table.getAttribute("data-counter") || "");
    function count() {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      if (counter) counter.textContent = ticked;
      if (all) {
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
    }
    if (all) {
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
        count();
      });
    }
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", count); });
    count();
  }

  var tables = document.querySelectorAll("table.data");
  for (var i = 0; i < tables.length; i++) {
    sortable(tables[i]);
    selectable(tables[i]);
  }
})();
