"""The built site in a real browser: Debian's headless Chromium driven by Playwright.

The site is served on 127.0.0.1; every request must stay there, the console must stay clean,
the leaderboard must show every run, tables must sort, figures draw and gallery images load.
A site built from hostile results (tests/test_hostile_site.py) must run none of their payloads.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from pipeline.render import build_site
from tests.conftest import ROOT
from tests.test_hostile_site import IDS, PAYLOADS, hostile_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
if CHROMIUM is None and os.environ.get("CI", "").lower() not in ("true", "1"):
    pytest.skip("Debian's chromium is not installed (make test installs it as root; CI always has it)",
                allow_module_level=True)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` served on 127.0.0.1 while the block runs; yields its address."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def site_html(smoke_grid, tmp_path_factory) -> Path:
    return build_site(smoke_grid.results, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def server(site_html):
    with served(site_html) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI needs Debian's chromium: .ci/run installs it through `make test`"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page that records console errors and every request it makes."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.errors, page.requests = [], []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    page.on("request", lambda req: page.requests.append(req.url))
    yield page
    assert not page.errors, page.errors
    remote = [u for u in page.requests if urlparse(u).hostname not in ("127.0.0.1", None) and not u.startswith("data:")]
    assert not remote, remote
    page.close()


def visit(page, url: str) -> None:
    """Open ``url`` and wait until its tables are fitted for good (tables.js says so once every
    image, figure and font has its size), so that nothing is measured mid-layout."""
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("document.documentElement.dataset.tablesFitted === 'true'")


def test_home_shows_every_run_of_runs_csv(page, server, smoke_grid):
    visit(page, f"{server}/")
    runs = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv")
    table = page.locator('table.leaderboard[data-profile="smoke"]')
    header = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    body = {row[0].strip(): row for row in (r.split("\t") for r in table.locator("tbody tr").all_inner_texts())}
    variants = runs.variant_of.notna()
    assert variants.any()
    for run in runs[~variants].itertuples():
        cell = body[run.method][header.index(run.scenario)]
        assert re.match(rf"=?\d+/\d+\s+{run.psnr:.2f}\b", cell), (run.method, run.scenario, cell)  # rank/field, PSNR
    assert not set(runs[variants].method) & set(body)  # the headline lists only the paper's methods
    agreement = page.locator("table.agreement")
    assert agreement.locator("tbody tr", has_text="smoke").inner_text().count("τ") == 2 * (len(header) - 2)
    ranks = [float(v) for v in table.locator("tbody tr td:nth-child(2)").evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert ranks == sorted(ranks)  # led by the best relative rank
    assert page.locator("div.gain-heatmap g.hm, div.gain-heatmap g.heatmaplayer image").count() > 0  # plotly drew it
    assert_no_horizontal_scroll(page, "table.leaderboard")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)


def assert_no_horizontal_scroll(page, table: str) -> None:
    """At the page's 1400 px, neither the window nor ``table`` scrolls sideways."""
    widths = page.locator(table).first.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_scenario_page_sorts_draws_and_shows_the_gallery(page, server):
    visit(page, f"{server}/scenarios/smoke-mri/")
    table = page.locator("table.scenario-table")

    def column(k: int) -> list[float]:
        return [float(v) for v in table.locator(f"tbody tr td:nth-child({k})").evaluate_all(
            "cells => cells.map(c => c.dataset.value)")]

    def psnr_column() -> list[float]:
        return column(3)

    table.locator("th", has_text="PSNR").click()
    assert psnr_column() == sorted(psnr_column())
    table.locator("th", has_text="PSNR").click()
    assert psnr_column() == sorted(psnr_column(), reverse=True)
    table.get_by_role("columnheader", name="rank", exact=True).click()
    assert column(1) == sorted(column(1)) and column(1)[0] == 1

    figures = page.locator("div.plotly-figure")
    assert figures.count() == 6  # ranks, cost, PSNR, SSIM, learning curves, and the gains against the paper's
    assert page.locator("div.rank-figure path.point").count() > len(column(1))  # a dot per (method, rank taken)
    assert page.locator("div.cost-figure path.point").count() > 0
    assert page.locator("div.curve-figure g.trace").count() > 1  # one line per trained method
    assert page.locator("div.gain-figure path.point").count() > 0  # plotly drew the methods
    for k in range(figures.count()):
        assert figures.nth(k).locator("svg.main-svg").count() > 0  # plotly drew it

    images = page.locator("details.gallery-image[open] .gallery img")  # the first test image; the others fold
    assert images.count() > 0
    images.last.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('details.gallery-image[open] .gallery img')].every(i => i.complete)")
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths)
    assert_no_horizontal_scroll(page, "table.scenario-table")
    page.screenshot(path=str(ARTIFACTS / "scenario-smoke-mri.png"), full_page=True)


def test_the_significance_map_has_a_cell_per_pair_and_a_toggle_to_ssim(page, server):
    visit(page, f"{server}/scenarios/smoke-mri/")
    psnr, ssim = page.locator("table.significance.psnr"), page.locator("table.significance.ssim")
    n = psnr.locator("tbody tr").count()
    assert n == page.locator("table.scenario-table tbody tr").count() - psnr_less(page)
    assert psnr.locator("td.pair").count() == n * (n - 1) and psnr.locator("td.self").count() == n
    assert psnr.is_visible() and not ssim.is_visible()
    page.locator("label", has_text="SSIM").click()
    assert ssim.is_visible() and not psnr.is_visible() and ssim.locator("td.pair").count() == n * (n - 1)
    title = psnr.locator("td.pair").first.get_attribute("title")
    # the smoke grid has one seed: a difference, and no interval, said in words
    assert re.fullmatch(r".+ − .+: [+-]\d+\.\d\d (\[[+-]\d+\.\d+, [+-]\d+\.\d+\]|\[no interval: one seed\]) dB", title), title


def psnr_less(page) -> int:
    """Rows of the leaderboard without a PSNR (diverged): they have no place in the matrix."""
    return page.locator("table.scenario-table tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.filter(c => isNaN(parseFloat(c.dataset.value))).length")


def test_the_data_page_serves_every_table_it_lists(page, server):
    visit(page, f"{server}/data/")
    links = page.locator("a[href$='.csv'], a[href$='.json']").evaluate_all("links => links.map(a => a.href)")
    assert any(link.endswith("/downloads/smoke/runs.csv") for link in links) and len(links) >= 4
    for link in links:
        assert page.request.get(link).status == 200, link
    assert page.locator("table", has_text="config_hash").count() >= 1
    assert_no_horizontal_scroll(page, "table")
    page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)


def test_a_variant_sits_below_its_parent_labelled(page, server):
    visit(page, f"{server}/scenarios/smoke-mri/")
    names = [n.strip() for n in page.locator("table.scenario-table tbody tr td:nth-child(2) a").all_inner_texts()]
    assert names[names.index("moc-ssdu") + 1] == "moc-ssdu-full"
    row = page.locator("table.scenario-table tbody tr.variant", has_text="moc-ssdu-full")
    assert "not in the paper: corrects DeepInverse #875" in row.inner_text()
    visit(page, f"{server}/methods/moc-ssdu-full/")
    assert "Variant of moc-ssdu" in page.locator(".admonition").inner_text()
    nav = [t.strip() for t in page.locator("nav.md-nav--primary a.md-nav__link").all_inner_texts()]
    parent = next(i for i, t in enumerate(nav) if t.startswith("MOC-SSDU (CC-SSDU)"))
    assert nav[parent + 1].startswith("↳ MOC-SSDU, consistency")


def test_method_page_and_search_work_offline(page, server):
    visit(page, f"{server}/methods/ei/")
    assert "Equivariant imaging" in page.locator("h1").inner_text()
    assert page.locator("code", has_text="deepinv.loss.EILoss").count() > 0
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("equivariant", delay=30)  # the search reacts to key events
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    assert page.locator(".md-search-result__item").count() > 0


def test_method_page_renders_its_maths_with_the_sites_own_katex(page, server):
    visit(page, f"{server}/methods/ssdu/")
    display = page.locator("div.arithmatex .katex-display")
    assert display.count() > 0  # the loss's formula, drawn by KaTeX
    box = display.first.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 10
    assert page.locator("div.arithmatex .katex-error").count() == 0
    maths = page.locator(".arithmatex")
    assert maths.count() == page.locator(".arithmatex .katex").count()  # every formula drawn, no source left
    assert any(u.endswith(".woff2") and "/assets/katex/fonts/" in u for u in page.requests)
    page.screenshot(path=str(ARTIFACTS / "method-ssdu.png"), full_page=True)


def test_the_tutorial_page_shows_its_figures_and_maths(page, server):
    visit(page, f"{server}/")
    page.locator("article a", has_text="step-by-step tutorial").click()
    page.wait_for_load_state("networkidle")
    assert "Step by step" in page.locator("h1").inner_text()
    assert page.locator("code", has_text="class FlipEquivariantLoss").count() > 0
    images = page.locator("article img")
    assert images.count() == 4
    page.wait_for_function("() => [...document.querySelectorAll('article img')].every(i => i.complete)")
    assert all(w > 0 for w in images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
    assert page.locator(".arithmatex").count() == page.locator(".arithmatex .katex").count() > 0
    page.screenshot(path=str(ARTIFACTS / "tutorial.png"), full_page=True)


# What a page holds that could run: javascript: addresses, event-handler attributes and scripts
# written in the page (not those it loads, nor JSON data).
RUNNABLE = """() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if ((/href$/i.test(attribute.name) && /^\\s*javascript:/i.test(attribute.value)) || /^on/i.test(attribute.name)) {
        found.push(`${attribute.name}=${attribute.value}`);
      }
    }
    if (element.tagName === "SCRIPT" && !/json/i.test(element.type) && element.textContent.trim()) {
      found.push(`<script>${element.textContent}`);
    }
  }
  return found;
}"""


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)
    dialogs: list[tuple[str, str]] = field(default_factory=list)  # (page, message)
    runnable: list[tuple[str, str]] = field(default_factory=list)  # (page, what RUNNABLE found)


@pytest.fixture(scope="module")
def hostile_crawl(browser, smoke_grid, tmp_path_factory) -> Crawl:
    """Every page of the site built from hostile results, visited once: the dialogs they opened
    (each payload calls ``alert(/its id/)``) and what in them could run."""
    results = hostile_results(smoke_grid.results, tmp_path_factory.mktemp("hostile-results"))
    html = build_site(results, tmp_path_factory.mktemp("hostile-site"))
    crawl = Crawl()
    page = browser.new_page()
    page.on("dialog", lambda dialog: (crawl.dialogs.append((page.url, dialog.message)), dialog.dismiss()))
    with served(html) as address:
        for path in sorted(html.rglob("*.html")):
            page.goto(f"{address}/{path.relative_to(html).as_posix()}", wait_until="load")
            page.wait_for_timeout(100)  # an autofocus handler fires just after the load
            crawl.pages.append(page.url)
            crawl.runnable += [(page.url, what) for what in page.evaluate(RUNNABLE)]
    page.close()
    return crawl


def test_no_page_of_a_hostile_site_opens_a_dialog_or_links_to_javascript(hostile_crawl):
    assert len(hostile_crawl.pages) > 30
    assert not hostile_crawl.dialogs
    assert not [(url, what) for url, what in hostile_crawl.runnable if re.match(r"\w*href=\s*javascript:", what, re.I)]


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_hostile_text_runs_nothing_in_chromium(hostile_crawl, payload):
    assert not [(url, message) for url, message in hostile_crawl.dialogs if message == f"/{payload.id}/"]
    assert not [(url, what) for url, what in hostile_crawl.runnable if payload.marker in what]


DEFECTS = (Path(__file__).parent / "site_defects.js").read_text()
SHOTS = {"": "home", "scenarios/smoke-mri/": "scenario", "methods/ei/": "method", "data-and-scale/": "data-and-scale"}


@pytest.mark.parametrize("width", [1400, 390])
def test_no_page_has_a_defect_a_reader_would_see(browser, server, site_html, width):
    """Every page at a desktop's and a phone's width: nothing scrolls sideways (the page, a table,
    code, a figure, the gallery), no raw entity or inf/nan shows, no figure title is covered or
    cut, no page is empty. Screenshots of four pages go to test-artifacts/."""
    page = browser.new_page(viewport={"width": width, "height": 1000})
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    paths = sorted(p.parent.relative_to(site_html).as_posix() + "/" for p in site_html.rglob("index.html")
                   if not {"assets", "downloads"} & set(p.parts))
    for path in [p.removeprefix("./") for p in paths]:
        visit(page, f"{server}/{path}")
        if defects := page.evaluate(DEFECTS):
            found[path] = defects
        if path in SHOTS:
            page.screenshot(path=str(ARTIFACTS / f"{SHOTS[path]}-{width}.png"), full_page=path == "")
    page.close()
    assert len(paths) > 30 and not found, found


def test_the_leaderboard_is_on_the_first_screen(page, server):
    visit(page, f"{server}/")
    rows = page.locator("table.leaderboard tbody tr")
    assert rows.nth(2).bounding_box()["y"] < 1000  # its header and first rows, at 1400x1000 without scrolling


def test_the_gallery_has_equal_tiles_a_colour_bar_and_full_size_images(page, server):
    visit(page, f"{server}/scenarios/smoke-mri/")
    images = page.locator("details.gallery-image[open] .gallery img")
    sizes = {(round(box["width"]), round(box["height"])) for box in
             (images.nth(k).bounding_box() for k in range(images.count()))}
    assert len(sizes) == 1 and next(iter(sizes))[0] >= 160, sizes
    assert page.locator(".colourbar img").is_visible()
    link = page.locator("details.gallery-image[open] .gallery a").last.get_attribute("href")
    response = page.request.get(f"{server}/scenarios/smoke-mri/{link}")
    assert response.status == 200 and response.headers["content-type"] == "image/png"


def test_the_reproducibility_page_is_short_until_opened(page, server):
    visit(page, f"{server}/reproducibility/")
    assert page.evaluate("document.documentElement.scrollHeight") < 3000
    page.locator("details.runs summary").first.click()
    assert page.locator("details.runs table").first.is_visible()
