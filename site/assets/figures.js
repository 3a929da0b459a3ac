// Draw every <div class="plotly-figure" data-figure="{...}"> with the bundled plotly.js.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.plotly-figure").forEach(function (div) {
    var spec = JSON.parse(div.dataset.figure);
    Plotly.newPlot(div, spec.data, spec.layout, {responsive: true, displaylogo: false});
  });
});
