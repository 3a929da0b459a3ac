"""The site's reference pages: one entry each in ``PAGES`` (its file, template, menu title and the
function that gives its template's data). Adding a page is a template in ``site/templates`` and
one entry here; the menu lists the pages in this order, after the guide. A page whose data
function returns None has nothing to show: it is neither written nor listed.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.base import PROJECT_ROOT
from pipeline.analysis import catalogue, leaderboard
from pipeline.base import storage, tables
from pipeline.analysis.catalogue import Catalogue
from pipeline.setting.profiles import PROFILES
from pipeline.analysis.published import PUBLISHED, SOURCE


@dataclass(frozen=True)
class Site:
    """What a page's data is computed from: the profiles (the headline first), the catalogue, the
    docs folder being written and the results folder read."""

    profiles: list[leaderboard.Profile]
    known: Catalogue
    docs: Path
    results_dir: Path


@dataclass(frozen=True)
class Page:
    file: str  # in the docs folder
    template: str  # in site/templates
    title: str  # in the menu
    context: Callable[[Site], dict | None]


def scale(p: leaderboard.Profile) -> str:
    """The profile's data, image size, device, budget and seeds in one line, from its runs."""
    runs = p.runs
    def values(column: str) -> str:
        return "/".join(str(v) for v in dict.fromkeys(runs[column].dropna()))
    seeds = runs.seed.nunique()
    return (f"dataset {values('dataset')}, {values('n_train')} training and {values('n_test')} test images at "
            f"{values('img_size')}×{values('img_size')}, trained on {values('device')} for {budget(p)}, "
            f"{seeds} seed{'s' if seeds != 1 else ''}")


def budget(p: leaderboard.Profile) -> str:
    """The training budget in optimiser steps, with the passes over the training set they make
    (``cpu`` counts its budget in rounds of 192 steps, a curve point each, which are not passes:
    the steps are the budget to read)."""
    trained = p.runs[p.runs.epochs > 0]
    return " / ".join(dict.fromkeys(steps(p, int(e)) for e in sorted(set(trained.epochs)))) if len(trained) else "0 epochs"


def steps(p: leaderboard.Profile, epochs: int) -> str:
    """``epochs`` of the profile in optimiser steps. Where the profile fixes the steps of its
    "epoch" (a round of steps between curve points, not a pass over the data), with the passes over
    the training set they make; else with the epochs (just the epochs where the steps are unknown)."""
    counted = f"{epochs} epoch{'s' if epochs != 1 else ''}"
    per_epoch = p.epoch_steps
    if not per_epoch:
        return counted
    profile = PROFILES[p.name]
    if not profile.steps_per_epoch:
        return f"{epochs * per_epoch:,} optimiser steps ({counted})"
    n_train = int(p.runs.n_train.dropna().iloc[0])
    passes = epochs * per_epoch * profile.batch_size / n_train
    return f"{epochs * per_epoch:,} optimiser steps ({passes:.0f} passes over the {n_train} training images)"


DATA_OVERVIEW = PROJECT_ROOT / "site" / "data"  # written by `make data-overview`


def data_and_scale(site: Site) -> dict:
    """The embedded dataset's split and figure (``pipeline.setting.data.overview`` wrote them into the
    repository: the site reads no template) and each profile's scale, from its runs."""
    target = site.docs / "assets" / "data"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA_OVERVIEW / "mni-slices.png", target)
    return {"data": json.loads((DATA_OVERVIEW / "mni.json").read_text()),
            "profiles": [{"name": p.name, "scale": scale(p)} for p in site.profiles]}


EXAMPLE = PROJECT_ROOT / "examples" / "flip_ei.py"  # README's worked example


def contribute_page(site: Site) -> dict:
    """The worked example's method file and the report ``make contribute`` wrote for it (its
    headings one level down, under the page's); the report is missing until it has been made."""
    report = EXAMPLE.with_suffix(".report.md")
    text = report.read_text() if report.is_file() else ""
    return {"code": EXAMPLE.read_text(), "report": headings_down(text, 2)}


def headings_down(markdown: str, levels: int) -> str:
    """``markdown`` with its headings ``levels`` deeper; a ``#`` line inside a fenced code block
    (a shell comment) is code, and stays as it is."""
    lines, fence = [], None
    for line in markdown.splitlines(keepends=True):
        opened = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None and re.match(r"#+ ", line):
            line = "#" * levels + line
        lines.append(line)
    return "".join(lines)


def data_page(site: Site) -> dict:
    """The result tables of every profile, copied into the site's downloads, and the dictionary
    of their columns (``tables.TABLES`` and ``tables.COLUMNS``: the schema that writes them)."""
    profiles, docs, results_dir = site.profiles, site.docs, site.results_dir
    downloads = []
    for p in profiles:
        target = storage.inside(docs, docs / "downloads" / p.name)
        target.mkdir(parents=True)
        files = []
        for name in tables.TABLES:
            if (p.folder / name).is_file():
                shutil.copy(p.folder / name, target)
                files.append({"name": name, "url": f"downloads/{p.name}/{name}", "kb": (p.folder / name).stat().st_size / 1024})
        downloads.append({"profile": p.name, "files": files})
    shutil.copy(Path(results_dir) / catalogue.FILE, docs / "downloads")
    return {"downloads": downloads, "catalogue_url": f"downloads/{catalogue.FILE}", "tables": [
        {"name": name, "row": row, "columns": [(c, *tables.COLUMNS[c]) for c in columns]}
        for name, (row, columns) in tables.TABLES.items()]}


def reproducibility(p: leaderboard.Profile) -> dict:
    """A profile's runs by scenario, with what all its runs share (versions, device) said once."""
    shared = {column: ", ".join(str(v) for v in dict.fromkeys(p.runs[column].astype(str)))
              for column in ("torch", "deepinv", "python", "device", "device_name", "threads")}
    sources = p.runs.assign(made_on=tables.made_on(p.runs), source=p.runs.kernels_source.fillna("").astype(str))
    kernels = [{"made_on": made_on, "source": source, "runs": len(group)}
               for (made_on, source), group in sources.groupby(["made_on", "source"], sort=True)]
    return {"name": p.name, "shared": shared, "version": leaderboard.results_version(p), "kernels": kernels, "proof": proof(p),
            "scenarios": [{"name": s, "runs": p.runs[p.runs.scenario == s].to_dict("records"),
                           "mixed": tables.mixed_kernels(p.runs[p.runs.scenario == s])} for s in p.scenarios]}


def proof(p: leaderboard.Profile) -> list[dict] | None:
    """Per scenario, what re-running the committed runs under the pin found (``reproduced.csv``):
    runs identical image by image, runs that differed and have been replaced by a pinned run since,
    and runs that differ still (their run ids); None without the table."""
    if p.reproduced is None:
        return None
    runs = p.runs.set_index(["scenario", "method", "seed"])
    found = {}
    for row in p.reproduced.itertuples():
        key = (row.scenario, row.method, int(row.seed))
        counts = found.setdefault(row.scenario, {"scenario": row.scenario, "steps": set(), "identical": 0,
                                                 "replaced": 0, "differ": []})
        counts["steps"].add(row.profile)
        if str(row.identical) == "True":
            counts["identical"] += 1
        elif key in runs.index and runs.kernels_source.get(key) == "recorded":
            counts["replaced"] += 1
        else:
            counts["differ"].append(f"{row.method}/seed{int(row.seed)}")
    return [{**c, "steps": ", ".join(sorted(c["steps"]))} for c in found.values()]


def custom_table(results: leaderboard.CustomResults) -> dict:
    """A table of runs with custom parts: their import paths, and every metric column they have."""
    extra = [c for c in results.runs.columns if c not in leaderboard.RUN_COLUMNS and not c.endswith(("_ci_low", "_ci_high"))]
    return {"profile": results.profile, "label": results.label, "parts": results.parts, "metrics": ["psnr", "ssim", *extra],
            "rows": results.runs.to_dict("records")}




def reproducibility_page(site: Site) -> dict:
    return {"profiles": [reproducibility(p) for p in site.profiles]}


def published_page(site: Site) -> dict:
    """The paper's own numbers, by scenario, best first: never mixed with ours."""
    return {"source": SOURCE, "scenarios": [
        {"name": s, "title": site.known.scenarios[s].title if s in site.known.scenarios else s,
         "rows": sorted(rows.items(), key=lambda kv: -kv[1][0])} for s, rows in PUBLISHED.items()]}


def custom_page(site: Site) -> dict | None:
    found = [custom_table(c) for c in leaderboard.read_custom(site.results_dir)]
    return {"tables": found} if found else None


def evaluated_page(site: Site) -> dict | None:
    found = leaderboard.read_evaluated(site.results_dir)
    return {"tables": [{"profile": name, "rows": table.to_dict("records")} for name, table in found.items()]} if found else None


PAGES = (
    Page("data-and-scale.md", "data-and-scale.md.j2", "Data and scale", data_and_scale),
    Page("contribute.md", "contribute.md.j2", "Contribute a method", contribute_page),
    Page("published.md", "published.md.j2", "Published numbers", published_page),
    Page("data.md", "data.md.j2", "Downloads", data_page),
    Page("reproducibility.md", "reproducibility.md.j2", "Reproducibility", reproducibility_page),
    Page("custom.md", "custom.md.j2", "Custom runs", custom_page),
    Page("evaluated.md", "evaluated.md.j2", "Evaluated checkpoints", evaluated_page),
)
