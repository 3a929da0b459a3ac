"""Build the leaderboard site: Markdown pages (``pages``) -> MkDocs Material -> HTML.

``build_site`` reads only ``results/`` (the profiles' tables, their gallery arrays and the
methods' metadata); it never trains or runs user code. All assets (plotly.js included) are
served from the site itself, so it works offline. A build is made in a temporary folder and
swapped in whole.
"""

from __future__ import annotations

import html as html_text
import logging
import os
import re
import shutil
from pathlib import Path

from markupsafe import escape

from pipeline.analysis import leaderboard
from pipeline.base import storage
from pipeline.analysis.catalogue import Catalogue
from pipeline.base.errors import UsageError, choose
from pipeline.setting.profiles import HEADLINE, PROFILES
from pipeline.base import PROJECT_ROOT
from pipeline.render.pages import render_pages
from pipeline.render.reference import PAGES

STAMP = ".ssibench-site"  # marks a folder that build_site made, so that it may replace its docs/ and html/
TUTORIAL = PROJECT_ROOT / "examples" / "step_by_step.ipynb"


def build_site(results_dir: Path, out_dir: Path, config_file: Path = PROJECT_ROOT / "mkdocs.yml",
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
        storage.copy_folder(PROJECT_ROOT / "site" / "assets", docs / "assets", ignore=shutil.ignore_patterns("README.md"))
        shutil.copy(plotly_js(), docs / "assets" / "plotly.min.js")
        for page in guide_pages():
            shutil.copy(page, docs / page.name)
        write_tutorial(docs)
        known = profiles[0].catalogue
        render_pages(profiles, known, docs, results_dir)
        mkdocs_build(config_file, docs, work / "html", navigation(docs, known, [p.name for p in profiles]))
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


def mkdocs_build(config_file: Path, docs: Path, html: Path, nav: list) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from mkdocs.exceptions import Abort

    config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(html), strict=True)
    config["nav"] = nav
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


# the written pages of site/pages/, in the menu's order (any other file follows, by name)
GUIDE = ("how-to.md", "profiles-guide.md", "leaderboards.md", "results-guide.md", "methods-guide.md", "costs.md",
         "cluster.md", "untrusted-input.md", "development.md")


def guide_pages() -> list[Path]:
    """The written pages (``site/pages/*.md``): those of ``GUIDE`` first, in its order."""
    pages = sorted((PROJECT_ROOT / "site" / "pages").glob("*.md"))
    return sorted(pages, key=lambda page: (GUIDE.index(page.name) if page.name in GUIDE else len(GUIDE), page.name))


def navigation(docs: Path, known: Catalogue, profiles: list[str]) -> list:
    """Home and the headline's scenarios, the methods, the tutorial, the guide, the reference pages
    (``reference.PAGES``, in its order, those written), then the other profiles (``profiles``: the
    headline first), each with its leaderboard and scenarios."""
    def scenarios(profile: str) -> list:
        pages = [f"scenarios/{profile}-{scenario}.md" for scenario in known.scenarios]
        return [{first_heading(docs / page): page} for page in pages if (docs / page).is_file()]

    def titled(name: str) -> dict:
        return {first_heading(docs / name): name}

    headline, others = profiles[0], profiles[1:]
    return [
        {"Home": "index.md"}, {"Scenarios": scenarios(headline)}, {"Methods": method_navigation(docs, known)},
        {"Tutorial": "tutorial.md"}, {"Guide": [titled(page.name) for page in guide_pages()]},
        *[{page.title: page.file} for page in PAGES if (docs / page.file).is_file()],
        *([{"Other profiles": [{f"Profile {name}": [{"Leaderboard": f"profiles/{name}.md"}, *scenarios(name)]}
                                for name in others]}] if others else []),
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


def first_heading(page: Path) -> str:
    """A page's title for the nav and ``<title>``: its first heading as plain text, HTML-escaped.

    MkDocs Material writes nav titles as they are and un-escapes ``<title>`` once (``striptags``):
    the heading's tags are dropped and no ``<`` or ``>`` is left that could become one.
    """
    heading = re.sub(r"<[^>]*>", "", page.read_text().splitlines()[0].lstrip("#").replace("`", ""))
    text = html_text.unescape(heading).replace("<", "").replace(">", "")
    return str(escape(" ".join(text.split())))
