// What the browser test fails a page on (tests/test_browser.py): sideways scroll of the page or of
// any table, code block, figure or gallery; a raw entity in visible text; inf or nan in a table;
// a figure whose title is covered by its toolbar or cut off; a page with nothing on it.
() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) out.push(`document scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
  const article = document.querySelector("article.md-content__inner") || document.body;
  article.querySelectorAll("table, pre, .plotly-figure, .gallery").forEach((el, k) => {
    if (el.offsetParent === null) return;  // hidden (e.g. the SSIM matrix, a closed <details>)
    const box = el.getBoundingClientRect();
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    const beyond = el.tagName === "TABLE" ? article.getBoundingClientRect().right : window.innerWidth;
    if (scrolls || box.right > beyond + 1)
      out.push(`${el.tagName.toLowerCase()}.${el.className.split(" ")[0]} #${k} overflows (${el.scrollWidth} > ${el.clientWidth}, right ${Math.round(box.right)})`);
  });
  const text = article.innerText;
  for (const bad of ["&#", "&lt;", "&gt;", "&amp;"]) if (text.includes(bad)) out.push(`raw entity ${bad} in text: …${text.substr(text.indexOf(bad) - 30, 60)}…`);
  const word = /(^|[^A-Za-z_.])(inf|nan|NaN|-inf)([^A-Za-z_]|$)/;
  article.querySelectorAll("td, th").forEach((cell) => {
    const m = cell.innerText.match(word);
    if (m) out.push(`"${m[2]}" in a table cell: ${cell.innerText.substr(0, 60)}`);
  });
  article.querySelectorAll(".plotly-figure").forEach((fig, k) => {
    const bar = fig.querySelector(".modebar"), title = fig.querySelector(".gtitle");
    if (bar && title && title.textContent.trim()) {
      const a = bar.getBoundingClientRect(), b = title.getBoundingClientRect();
      if (a.width && b.width && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
        out.push(`figure #${k}: toolbar covers its title`);
    }
    const box = fig.getBoundingClientRect();
    if (title && title.getBoundingClientRect().right > box.right + 1) out.push(`figure #${k}: title cut off`);
  });
  const content = article.querySelectorAll("table, .plotly-figure, img, pre, details, ul, ol").length;
  if (!content && text.trim().length < 600) out.push("a page with nothing on it");
  return out;
}
