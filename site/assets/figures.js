// Draw every <div class="plotly-figure" data-figure="{...}"> with the bundled plotly.js. The
// figure's title becomes a caption above it, so that it wraps on a narrow screen and the
// toolbar never covers it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.plotly-figure").forEach(function (div) {
    var spec = JSON.parse(div.dataset.figure);
    var title = spec.layout.title && spec.layout.title.text;
    if (title) {
      var caption = document.createElement("p");
      caption.className = "figure-title";
      caption.textContent = title;
      div.parentNode.insertBefore(caption, div);
      delete spec.layout.title;
      spec.layout.margin = Object.assign({}, spec.layout.margin, {t: 30});
    }
    Plotly.newPlot(div, spec.data, spec.layout, {responsive: true, displaylogo: false});
  });
});
