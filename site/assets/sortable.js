// Click a column header of a table.sortable to sort its rows (numbers by data-value).
// A value that is not a number (a diverged run) sorts below every number.
function number(text) {
  var v = parseFloat(text);
  return isNaN(v) ? -Infinity : v;
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, column) {
      th.style.cursor = "pointer";
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var vx = x.dataset.value !== undefined ? number(x.dataset.value) : x.textContent.trim();
          var vy = y.dataset.value !== undefined ? number(y.dataset.value) : y.textContent.trim();
          var order = (typeof vx === "number" && typeof vy === "number") ? vx - vy : String(vx).localeCompare(String(vy));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
});
