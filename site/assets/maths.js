// Draw the maths that pymdownx.arithmatex leaves as \( \) (span) or \[ \] (div), with the
// site's own copy of KaTeX (assets/katex, from the npm package katex 0.19.1): no CDN.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".arithmatex").forEach(function (element) {
    var tex = element.textContent.trim().replace(/^\\[(\[]/, "").replace(/\\[)\]]$/, "");
    katex.render(tex, element, {displayMode: element.tagName === "DIV", throwOnError: false});
  });
});
