// Tables that do not fit their column become cards: each row a block, each cell a line led by
// its column's header (data-label). Checked again when the window is resized, so that a
// table is a table wherever it fits and nothing ever scrolls sideways.
function labelCells(table) {
  var header = table.tHead && table.tHead.rows.length ? Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
    return th.textContent.trim();
  }) : [];
  Array.prototype.forEach.call(table.tBodies, function (body) {
    Array.prototype.forEach.call(body.rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, k) {
        if (header[k] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", header[k]);
      });
    });
  });
}
function fitTables() {
  document.querySelectorAll("article table").forEach(function (table) {
    if (table.offsetParent === null) return;  // hidden: checked when shown
    table.classList.remove("cards");
    var room = table.parentElement.clientWidth;
    if (table.scrollWidth > room + 1 || table.getBoundingClientRect().width > room + 1) table.classList.add("cards");
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("article table").forEach(labelCells);
  fitTables();
  window.addEventListener("resize", fitTables);
  // Again once every image, figure and font has its size, then whenever the article's width
  // changes (a figure drawn late can change it without resizing the window). The page says when
  // the tables are fitted for good (data-tables-fitted), which the browser test waits for.
  window.addEventListener("load", function () {
    document.fonts.ready.then(function () {
      requestAnimationFrame(function () {
        fitTables();
        var article = document.querySelector("article");
        if (article && "ResizeObserver" in window) {
          var width = article.clientWidth;
          new ResizeObserver(function () {
            if (article.clientWidth !== width) { width = article.clientWidth; fitTables(); }
          }).observe(article);
        }
        document.documentElement.dataset.tablesFitted = "true";
      });
    });
  });
  document.querySelectorAll("article details, .matrix-toggle input").forEach(function (el) {
    el.addEventListener(el.tagName === "DETAILS" ? "toggle" : "change", fitTables);
  });
});
