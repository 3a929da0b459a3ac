"""Render the leaderboard site: Jinja templates of ``site/`` -> Markdown -> MkDocs Material.

``build_site`` reads only ``results/<profile>/runs.csv``, ``per_image.csv``, the gallery
arrays they point to and the methods' metadata; it never trains or runs user code. All assets
(plotly.js included) are served from the site itself, so it works offline.
"""

from __future__ import annotations

import html as html_text
import inspect
import json
import logging
import os
import re
import shutil
import string
from pathlib import Path
from urllib.parse import quote

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from pipeline import agreement, convergence, findings, leaderboard, storage
from pipeline.catalogue import Catalogue, MethodInfo
from pipeline.errors import UsageError, choose
from pipeline.profiles import PROFILES
from pipeline.published import PUBLISHED, SOURCE

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "site" / "templates"
TUTORIAL = ROOT / "examples" / "step_by_step.ipynb"
ERROR_MAX = 0.2  # colour scale of the error maps
HEADLINE = "standard"  # the profile the home page leads with, once it has results
AGREEMENT_TARGET = 0.8  # Kendall's τ with the paper's PSNR ranking that a profile should reach
STAMP = ".ssibench-site"  # marks a folder that build_site made, so that it may replace its docs/ and html/


def build_site(results_dir: Path, out_dir: Path, config_file: Path = ROOT / "mkdocs.yml",
               headline: str | None = None) -> Path:
    """Generate the Markdown pages into ``out_dir/docs`` and build the HTML into ``out_dir/html``.

    Both are built in a temporary folder and then swapped in, so a build killed half-way leaves
    the previous site whole. MkDocs runs strict: a warning (a broken link) fails the build.
    ``out_dir`` must be new, empty or a site built here before (``check_site_folder``). The
    home page leads with the ``headline`` profile (default: ``HEADLINE`` when it has results).
    """
    out_dir = Path(out_dir)
    check_site_folder(out_dir)
    profiles = headline_first(leaderboard.read_profiles(results_dir), headline, results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / STAMP).exists():
        (out_dir / STAMP).write_text("built by `python -m pipeline site` (make site): its docs/ and html/ are "
                                     "replaced at each build\n")
    work = out_dir / f".build-{os.getpid()}"
    remove_dead_builds(out_dir)
    docs = work / "docs"
    try:
        storage.copy_folder(ROOT / "site" / "assets", docs / "assets", ignore=shutil.ignore_patterns("README.md"))
        shutil.copy(plotly_js(), docs / "assets" / "plotly.min.js")
        shutil.copy(ROOT / "site" / "pages" / "how-to.md", docs / "how-to.md")
        write_tutorial(docs)
        known = profiles[0].catalogue
        render_pages(profiles, known, docs, results_dir)
        mkdocs_build(config_file, docs, work / "html", known)
        for part in ("docs", "html"):
            storage.replace_folder(work / part, out_dir / part)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir / "html"


BUILD_LEFTOVER = re.compile(r"\.(build|docs\.old|html\.old)-\d+")  # a killed build's folders (remove_dead_builds)


def check_site_folder(out_dir: Path) -> None:
    """Refuse an ``out_dir`` whose ``docs/`` and ``html/`` the build must not replace: anything but a
    new or empty folder, one with the ``STAMP`` of an earlier build, or a site built before the
    stamp existed (only ``docs/``, ``html/`` and a killed build's folders, ``html/index.html``
    and ``docs/index.md`` there) -- so that ``make site SITE=~/thesis`` deletes nothing of a user's."""
    if not out_dir.exists() or (out_dir / STAMP).is_file():
        return
    if not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file, not a folder: choose a new or empty folder for the site")
    names = {entry.name for entry in out_dir.iterdir() if not BUILD_LEFTOVER.fullmatch(entry.name)}
    earlier_site = names == {"docs", "html"} and (out_dir / "html" / "index.html").is_file() \
        and (out_dir / "docs" / "index.md").is_file()
    if names and not earlier_site:
        raise UsageError(f"--out {out_dir} is not empty and holds no site built by `make site` (no {STAMP}), so its "
                         "docs/ and html/ will not be replaced: choose a new or empty folder, or remove this one")


def headline_first(profiles: list[leaderboard.Profile], headline: str | None, results_dir: Path) -> list[leaderboard.Profile]:
    """The profiles with the home page's own first: ``headline`` if given (a profile that has results)."""
    names = [p.name for p in profiles]
    if headline is None:
        headline = HEADLINE if HEADLINE in names else names[0]
    else:
        choose("profile", headline, PROFILES)  # a name that no profile has: the list of those that exist
        if headline not in names:
            raise UsageError(f"no results for profile '{headline}' in {results_dir}/ (found: {', '.join(names)}); "
                             f"run `make benchmark PROFILE={headline}` first, or build the site without PROFILE")
    return sorted(profiles, key=lambda p: p.name != headline)


def write_tutorial(docs: Path) -> None:
    """The step-by-step notebook as a page, with the outputs and figures it was committed with
    (``make tutorial`` runs it again; the site never runs torch)."""
    from nbconvert import MarkdownExporter

    if not TUTORIAL.is_file():
        raise UsageError(f"{TUTORIAL} is missing (the site shows it): restore it with "
                         "`git checkout -- examples/step_by_step.ipynb`")
    body, resources = MarkdownExporter().from_filename(str(TUTORIAL), resources={"output_files_dir": "tutorial_files"})
    (docs / "tutorial.md").write_text(body)
    for name, data in resources["outputs"].items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_bytes(data)


def remove_dead_builds(out_dir: Path) -> None:
    """Clean up after builds that were killed: delete their ``.build-PID`` folders, and put back a
    previous ``html``/``docs`` moved aside as ``.html.old-PID`` if the kill came before its successor."""
    for stale in out_dir.glob(".*-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not (stale.is_dir() and pid.isdigit()) or storage.process_alive(int(pid)):
            continue
        part = stale.name[1:].split(".old-")[0]
        if ".old-" in stale.name and not (out_dir / part).exists():
            os.replace(stale, out_dir / part)
        else:
            shutil.rmtree(stale, ignore_errors=True)


def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def mkdocs_build(config_file: Path, docs: Path, html: Path, known: Catalogue) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from mkdocs.exceptions import Abort

    config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(html), strict=True)
    config["nav"] = navigation(docs, known)
    warnings = WarningsKept()
    logging.getLogger("mkdocs").addHandler(warnings)
    try:
        build(config)
    except Abort:
        raise UsageError(f"mkdocs refused to build the site (strict): {'; '.join(warnings.messages)}") from None
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)


class WarningsKept(logging.Handler):
    """The warnings mkdocs logs, kept to say why a strict build failed."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


def navigation(docs: Path, known: Catalogue) -> list:
    """Home, leaderboards by profile, methods, then the reference pages."""
    def titled(folder: str) -> list:
        pages = sorted((docs / folder).glob("*.md"), key=lambda page: page_order(page, list(known.scenarios)))
        return [{first_heading(p): f"{folder}/{p.name}"} for p in pages]

    return [
        {"Home": "index.md"}, {"Scenarios": titled("scenarios")}, {"Methods": method_navigation(docs, known)},
        {"Tutorial": "tutorial.md"}, {"Published numbers": "published.md"}, {"Custom runs": "custom.md"},
        {"Evaluated checkpoints": "evaluated.md"}, {"How to": "how-to.md"}, {"Reproducibility": "reproducibility.md"},
    ]


def method_navigation(docs: Path, known: Catalogue) -> list:
    """Method pages by name, each variant just below the method of the paper it varies."""
    methods = known.methods

    def key(page: Path) -> tuple:
        method = methods.get(page.stem)
        parent = method.variant_of if method and method.variant_of else page.stem
        return (parent, page.stem != parent, page.stem)

    entries = []
    for page in sorted((docs / "methods").glob("*.md"), key=key):
        method = methods.get(page.stem)
        prefix = "↳ " if method and method.variant_of else ""
        entries.append({prefix + first_heading(page): f"methods/{page.name}"})
    return entries


def page_order(path: Path, scenarios: list[str]) -> tuple:
    profile, _, scenario = path.stem.partition("-")
    return (profile, scenarios.index(scenario) if scenario in scenarios else len(scenarios), path.stem)


def first_heading(page: Path) -> str:
    """A page's title for the nav and ``<title>``: its first heading as plain text, HTML-escaped.

    MkDocs Material writes nav titles as they are and un-escapes ``<title>`` once (``striptags``):
    the heading's tags are dropped and no ``<`` or ``>`` is left that could become one.
    """
    heading = re.sub(r"<[^>]*>", "", page.read_text().splitlines()[0].lstrip("#").replace("`", ""))
    text = html_text.unescape(heading).replace("<", "").replace(">", "")
    return str(escape(" ".join(text.split())))


def environment() -> Environment:
    """The templates' Jinja environment. Every string from results/ (catalogue.json, the CSVs,
    custom parts) enters a page through one of the filters below, never bare: ``md_text`` for
    text, ``code`` for inline code, ``code_block`` for source files, ``link`` for a text with its
    address, and Jinja's ``urlencode`` for a name in a link of the site's own. (Bare is right only
    in an HTML attribute of a raw HTML block, which autoescape covers.)"""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=False, keep_trailing_newline=True)
    env.filters.update(score=score, md_text=md_text, code=code, code_block=code_block, link=link)
    return env


# Untrusted text is escaped for HTML and for Markdown at once: `<>&"'` become HTML entities, and
# every other ASCII sign that Markdown or the site's extensions give a meaning (links, emphasis,
# code, tables, attribute lists, maths, a block marker at a line's start) a numeric character
# reference, which Markdown leaves alone and the browser shows as the sign. Letters, digits,
# spaces and ,/:;%@() mean nothing on their own.
ENTITIES = {sign: f"&#{ord(sign)};" for sign in string.punctuation if sign not in ",/:;%@()"} | {
    "<": "&lt;", ">": "&gt;", "&": "&amp;"}
INLINE_MARKUP = re.compile(r"``(.+?)``|`([^`]+)`|\*(\S(?:[^*]*\S)?)\*")  # code, and emphasis
SAFE_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)


def escape_text(text: str) -> str:
    """``text`` as Markdown that shows exactly that text (see ``ENTITIES``)."""
    return "".join(ENTITIES.get(sign, sign) for sign in text)


def inline_text(text: str) -> str:
    """Escaped text, in which a ``literal`` or `literal` and *emphasis* (which docstrings and the
    profiles' descriptions use) are still shown as such: HTML tags around escaped text."""
    out, end = [], 0
    for match in INLINE_MARKUP.finditer(text):
        literal = match.group(1) or match.group(2)
        tagged = f"<code>{escape_text(literal)}</code>" if literal else f"<em>{escape_text(match.group(3))}</em>"
        out += [escape_text(text[end:match.start()]), tagged]
        end = match.end()
    return "".join(out) + escape_text(text[end:])


def md_text(value: object) -> Markup:
    """Untrusted text on one line (whitespace runs, newlines included, become one space, so that
    it can neither end a table row nor start a block of its own)."""
    return Markup(inline_text(" ".join(str(value).split())))


def code(value: object) -> Markup:
    """Untrusted text as inline code, on one line."""
    return Markup(f"<code>{escape_text(' '.join(str(value).split()))}</code>")


def code_block(source: str, language: str = "") -> Markup:
    """A fenced code block whose fence is longer than any run of backticks in ``source``, so that no
    line of it can close the fence (superfences ends a fence only on one of the same length)."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{source.rstrip()}\n{fence}")


def link(text: object, url: object) -> Markup:
    """A Markdown link to ``url`` if it is an http(s) address (percent-encoded, so that it cannot
    end the link early); anything else (``javascript:``, ``data:``) is shown after the text, as text."""
    url = str(url)
    if SAFE_URL.match(url):
        return Markup(f"[{md_text(text)}]({quote(url, safe='/:?#@!$&*+,;=%~')})")
    return md_text(f"{text} ({url})")


def score(value: float, fmt: str = "%.2f") -> str:
    """A metric for display; NaN is a run that diverged (its scores were never computed)."""
    return "diverged" if value is None or value != value else fmt % value


def render_pages(profiles: list[leaderboard.Profile], known: Catalogue, docs: Path, results_dir: Path) -> None:
    env = environment()
    taus = {p.name: agreement.agreement(p) for p in profiles}  # computed once per profile

    def write(path: str, template: str, **context) -> None:
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(env.get_template(template).render(**context))

    write("index.md", "index.md.j2", scenarios=list(known.scenarios.values()), profiles=[home(p) for p in profiles],
          default_profile=profiles[0].name, linked=set(profiles[0].scenarios), agreement=agreement_panel(profiles, taus))
    for p in profiles:
        for scenario in p.scenarios:
            write(f"scenarios/{p.name}-{scenario}.md", "scenario.md.j2", **scenario_page(p, scenario, docs, taus[p.name]))
    weights = shipped_weights(results_dir, docs)
    for method in known.methods.values():
        write(f"methods/{method.name}.md", "method.md.j2", **method_page(method, known, profiles, weights.get(method.name, [])))
    write("published.md", "published.md.j2", source=SOURCE, scenarios=[
        {"name": s, "title": known.scenarios[s].title, "rows": sorted(rows.items(), key=lambda kv: -kv[1][0])}
        for s, rows in PUBLISHED.items()])
    write("custom.md", "custom.md.j2", tables=[custom_table(c) for c in leaderboard.read_custom(results_dir)])
    write("evaluated.md", "evaluated.md.j2", tables=[{"profile": name, "rows": table.to_dict("records")}
                                                     for name, table in leaderboard.read_evaluated(results_dir).items()])
    write("reproducibility.md", "reproducibility.md.j2",
          profiles=[{"name": p.name, "runs": p.runs.to_dict("records")} for p in profiles])
    for p in profiles:
        target = docs / "downloads" / p.name
        target.mkdir(parents=True)
        shutil.copy(p.folder / "runs.csv", target)
        shutil.copy(p.folder / "per_image.csv", target)
        if p.curves is not None:
            shutil.copy(p.folder / "curves.csv", target)


def custom_table(results: leaderboard.CustomResults) -> dict:
    """A table of runs with custom parts: their import paths, and every metric column they have."""
    extra = [c for c in results.runs.columns if c not in leaderboard.RUN_COLUMNS and not c.endswith(("_ci_low", "_ci_high"))]
    return {"profile": results.profile, "label": results.label, "parts": results.parts, "metrics": ["psnr", "ssim", *extra],
            "rows": results.runs.to_dict("records")}


def home(p: leaderboard.Profile) -> dict:
    tables = {s: leaderboard.scenario_table(p, s).set_index("method") for s in p.scenarios}
    tables = {s: t[~t.variant] for s, t in tables.items()}  # the headline: the paper's methods only
    methods = sorted({m for t in tables.values() for m in t.index},
                     key=lambda m: (m in leaderboard.REFERENCES, m))
    rows = []
    for method in methods:
        cells = [tables[s].loc[method].to_dict() if method in tables[s].index else None for s in p.scenarios]
        rows.append({"method": method, "reference": method in leaderboard.REFERENCES, "cells": cells})
    return {"name": p.name, "description": p.catalogue.describe_profile(p.name), "n_runs": len(p.runs), "scenarios": p.scenarios,
            "headline": rows, "findings": findings.summary(findings.check_findings(p)),
            "rules": findings.RULE_TEXT, "curve_rule": convergence.RULE_TEXT}


def agreement_panel(profiles: list[leaderboard.Profile], taus: dict[str, list[agreement.Agreement]]) -> dict:
    """Kendall's τ with the paper's ranking, per profile and scenario with published numbers."""
    scenarios = [s for s in profiles[0].catalogue.scenarios if s in PUBLISHED and any(s in p.scenarios for p in profiles)]
    rows = []
    for p in profiles:
        found = {(a.scenario, a.metric): a for a in taus[p.name]}
        rows.append({"profile": p.name, "cells": [
            {"psnr": found[(s, "psnr")].tau, "ssim": found[(s, "ssim")].tau, "n": found[(s, "psnr")].n_methods,
             "same_order": found[(s, "psnr")].same_order, "separated": found[(s, "psnr")].separated}
            if (s, "psnr") in found else None for s in scenarios],
            "short": [(s, found[(s, "psnr")].tau) for s in scenarios
                      if (s, "psnr") in found and found[(s, "psnr")].tau < AGREEMENT_TARGET]})
    return {"scenarios": scenarios, "rows": rows, "target": AGREEMENT_TARGET}


def gain_figure(p: leaderboard.Profile, scenario: str) -> dict | None:
    """A plotly scatter: each method's PSNR gain over zero-filled, ours against the paper's."""
    table = agreement.gains(p, scenario).dropna()
    if table.empty:
        return None
    ends = [min(table.gain.min(), table.paper_gain.min()) - 0.5, max(table.gain.max(), table.paper_gain.max()) + 0.5]
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "x": ends, "y": ends, "name": "same gain",
             "line": {"dash": "dash", "color": "#aaa"}, "hoverinfo": "skip"},
            {"type": "scatter", "mode": "markers+text", "x": list(table.paper_gain), "y": list(table.gain),
             "text": list(table.method), "textposition": "top center", "name": "methods",
             "marker": {"color": "#3f51b5", "size": 9}},
        ],
        "layout": {"title": {"text": "Gain over zero-filled: ours against the paper's"}, "height": 460,
                   "showlegend": False, "xaxis": {"title": {"text": "paper (fastMRI 320², dB)"}, "zeroline": True},
                   "yaxis": {"title": {"text": f"profile {p.name} (dB)"}, "zeroline": True},
                   "margin": {"l": 60, "r": 10, "t": 40, "b": 50}},
    }


def curve_figure(p: leaderboard.Profile, scenario: str) -> dict | None:
    """A plotly figure: each method's test PSNR along training (mean over seeds), one line each."""
    if p.curves is None:
        return None
    curves = p.curves[p.curves.scenario == scenario]
    if curves.empty:
        return None
    mean = curves.groupby(["method", "epoch"], sort=False)[["psnr", "images"]].mean().reset_index()
    traces = [{"type": "scatter", "mode": "lines+markers", "name": method, "x": list(group.epoch), "y": list(group.psnr)}
              for method, group in mean.groupby("method", sort=True)]
    images = int(curves.images.max())
    return {"data": traces,
            "layout": {"title": {"text": f"Test PSNR during training (first {images} test images)"}, "height": 460,
                       "xaxis": {"title": {"text": "epoch"}}, "yaxis": {"title": {"text": "dB"}},
                       "margin": {"l": 50, "r": 10, "t": 40, "b": 50}}}


def scenario_page(p: leaderboard.Profile, scenario: str, docs: Path, taus: list[agreement.Agreement]) -> dict:
    table = leaderboard.scenario_table(p, scenario)
    published = PUBLISHED.get(scenario, {})
    ends = convergence.convergence(p.curves)
    return {
        "scenario": p.catalogue.scenarios.get(scenario, {"title": scenario, "description": ""}),
        "profile": {"name": p.name, "description": p.catalogue.describe_profile(p.name)},
        "table": [{**row, "curve_end": ends.get((scenario, row["method"]))} for row in table.to_dict("records")],
        "curve_rule": convergence.RULE_TEXT,
        "figures": [json.dumps(metric_figure(table, metric)) for metric in ("psnr", "ssim")],
        "agreement": {a.metric: a for a in taus if a.scenario == scenario},
        "gain_figure": json.dumps(figure) if (figure := gain_figure(p, scenario)) else None,
        "curve_figure": json.dumps(figure) if (figure := curve_figure(p, scenario)) else None,
        "comparisons": [{"baseline": b, "rows": leaderboard.paired_comparison(p, scenario, b).to_dict("records")}
                        for b in leaderboard.REFERENCES if b in set(table.method)],
        "gallery": gallery(p, scenario, list(table.method), docs),
        "published": [(m, published[m]) for m in table.method if m in published],
    }


def metric_figure(table, metric: str) -> dict:
    """A plotly figure spec: one point per method with its 95 % CI as error bars."""
    table = table[table[metric].notna()]  # diverged methods have no score to plot
    return {
        "data": [{
            "type": "scatter", "mode": "markers", "x": list(table.method), "y": list(table[metric]),
            "error_y": {"type": "data", "symmetric": False,
                        "array": list(table[f"{metric}_ci_high"] - table[metric]),
                        "arrayminus": list(table[metric] - table[f"{metric}_ci_low"])},
            "marker": {"color": ["#888" if r.reference else "#c77c00" if r.variant else "#3f51b5"
                                 for r in table.itertuples()]},
        }],
        "layout": {"title": {"text": f"{metric.upper()} with 95 % CI"}, "height": 360,
                   "yaxis": {"title": {"text": "dB" if metric == "psnr" else "SSIM"}},
                   "margin": {"l": 50, "r": 10, "t": 40, "b": 90}},
    }


def gallery(p: leaderboard.Profile, scenario: str, methods: list[str], docs: Path) -> dict:
    """PNG files of the targets, each method's reconstructions and error maps (lowest seed)."""
    seed = int(p.runs[p.runs.scenario == scenario].seed.min())
    order = ["zero-filled"] + [m for m in methods if m != "zero-filled"]
    arrays = {}
    for method in order:
        path = p.folder / "runs" / scenario / method / f"seed{seed}" / "gallery.npz"
        if path.exists():
            arrays[method] = np.load(path)
    out = docs / "assets" / "gallery" / p.name / scenario
    out.mkdir(parents=True, exist_ok=True)
    url = f"../../assets/gallery/{p.name}/{scenario}"
    columns = [{"label": "ground truth"}] + [{"label": m} for m in arrays]
    rows = []
    n_images = min((len(a["recon"]) for a in arrays.values()), default=0)
    for k in range(n_images):
        target = next(iter(arrays.values()))["target"][k].astype(np.float32)
        save_png(out / f"target-{k}.png", target)
        row = [{"image": f"{url}/target-{k}.png", "error": None, "alt": f"ground truth {k}"}]
        for method, a in arrays.items():
            recon = a["recon"][k].astype(np.float32)
            save_png(out / f"{method}-{k}.png", recon)
            save_png(out / f"{method}-{k}-error.png", np.abs(recon - target) / ERROR_MAX, colormap=True)
            row.append({"image": f"{url}/{method}-{k}.png", "error": f"{url}/{method}-{k}-error.png",
                        "alt": f"{method} {k}"})
        rows.append(row)
    return {"seed": seed, "columns": columns, "rows": rows, "error_max": ERROR_MAX}


def save_png(path: Path, image: np.ndarray, colormap: bool = False) -> None:
    from matplotlib import colormaps
    from PIL import Image

    values = np.clip(image, 0, 1)
    if colormap:
        pixels = (colormaps["inferno"](values)[..., :3] * 255).astype(np.uint8)
    else:
        pixels = (values * 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)


def shipped_weights(results_dir: Path, docs: Path) -> dict[str, list[dict]]:
    """The weights shipped in ``results/weights/<profile>/<scenario>/<method>/seed<k>.pt``, copied
    into the site's downloads; by method, each with its profile, scenario, seed and link."""
    found: dict[str, list[dict]] = {}
    for path in sorted(Path(results_dir).glob("weights/*/*/*/seed*.pt")):
        profile, scenario, method = path.parts[-4:-1]
        target = docs / "downloads" / "weights" / profile / scenario / method / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        found.setdefault(method, []).append({
            "profile": profile, "scenario": scenario, "seed": path.stem.removeprefix("seed"), "size_kb": path.stat().st_size // 1024,
            "url": f"../downloads/weights/{profile}/{scenario}/{method}/{path.name}",
            "file": f"results/weights/{profile}/{scenario}/{method}/{path.name}",
        })
    return found


def method_page(method: MethodInfo, known: Catalogue, profiles: list[leaderboard.Profile], weights: list[dict]) -> dict:
    results = []
    for p in profiles:
        rows = p.runs[p.runs.method == method.name]
        if not rows.empty:
            mean = rows.groupby("scenario", sort=False)[["psnr", "psnr_ci_low", "psnr_ci_high", "ssim"]].mean()
            results.append({"profile": p.name, "rows": mean.reset_index().to_dict("records")})
    return {"method": method, "doc": docstring_markdown(method.doc), "results": results,
            "variants": known.variants_of(method.name), "weights": weights}


def docstring_markdown(doc: str) -> Markup:
    """A method docstring (reST maths) as Markdown.

    ``.. math::`` blocks and ``:math:`` roles become what pymdownx.arithmatex would make of
    ``\\[ \\]`` and ``\\( \\)`` (``<div class="arithmatex">``, ``<span class="arithmatex">``), drawn
    by the site's own KaTeX. They are written as HTML here, their TeX escaped, so that no TeX can
    end the maths early and leave the rest to Markdown. The prose is ``inline_text``, each line
    stripped so that none starts a Markdown block of its own (an indented code block, a list).
    """
    parts: list[str] = []
    lines = inspect.cleandoc(doc).splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == ".. math::":
            block = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                block.append(lines[i][4:])
                i += 1
            tex = escape_text("\\[\n" + "\n".join(block).strip() + "\n\\]")
            parts.append(f'\n<div class="arithmatex">\n{tex}\n</div>\n')  # a block of its own
        else:
            parts.append(inline_math(lines[i].strip()))
            i += 1
    return Markup("\n".join(parts))


def inline_math(line: str) -> str:
    """A line of prose with its ``:math:`` roles as maths (see ``docstring_markdown``)."""
    pieces = re.split(r":math:`([^`]*)`", line)
    return "".join(inline_text(piece) if k % 2 == 0 else '<span class="arithmatex">' + escape_text(rf"\({piece}\)") + "</span>"
                   for k, piece in enumerate(pieces))
