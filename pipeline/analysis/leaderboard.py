"""Page data for the site, computed only from ``results/<profile>/*.csv`` and method metadata.

Nothing here trains or imports user code: the leaderboard is a pure function of the committed
result tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.base.tables import (CURVE_COLUMNS, EVALUATED_COLUMNS, METRICS, PER_IMAGE_COLUMNS, RECORD_COLUMNS,
                                  RUN_COLUMNS, summarise)
from pipeline.analysis import catalogue, convergence, gate
from pipeline.base import reading
from pipeline.analysis.collapse import steps_per_epoch
from pipeline.analysis.ranking import Samples, rank_distribution
from pipeline.analysis.catalogue import Catalogue
from pipeline.base.errors import UsageError

REFERENCES = ("supervised", "zero-filled")  # upper bound and no-learning floor


@dataclass
class Profile:
    """One profile's results: never mixed with another profile's."""

    name: str
    runs: pd.DataFrame
    per_image: pd.DataFrame
    folder: Path
    catalogue: Catalogue  # the methods, scenarios and profiles, as collected beside the tables
    scenarios: list[str] = field(default_factory=list)
    curves: pd.DataFrame | None = None  # learning curves (None: results collected before they existed)
    reproduced: pd.DataFrame | None = None  # committed runs trained again and compared (reproduced.csv), if any
    # scenario tables computed so far (rank bootstraps are costly); not an init field, so that
    # dataclasses.replace() with other results never inherits them
    tables: dict[str, pd.DataFrame] = field(init=False, default_factory=dict, repr=False, compare=False)
    rankings: dict[str, pd.DataFrame] = field(init=False, default_factory=dict, repr=False, compare=False)
    ends: dict[tuple[str, str], convergence.Convergence] | None = field(init=False, default=None, repr=False, compare=False)

    @property
    def epoch_steps(self) -> int | None:
        """Optimiser steps in one epoch of the profile's runs (None where unknown: a profile this
        version does not define, or no training set size)."""
        sizes = self.runs.n_train.dropna()
        return steps_per_epoch(self.name, float(sizes.mode().iloc[0])) if len(sizes) else None


def profile_named(results_dir: Path, name: str, read: list[Profile] | None = None) -> Profile:
    """The one profile of that name in ``results_dir`` (among ``read``, its profiles already read,
    when given); a one-line error naming those there if none."""
    profiles = {p.name: p for p in (read if read is not None else read_profiles(results_dir))}
    if name not in profiles:
        raise UsageError(f"no results for profile '{name}' in {results_dir}/ (found: {', '.join(profiles)}); "
                         f"run `make benchmark PROFILE={name}` first")
    return profiles[name]


def read_profiles(results_dir: Path) -> list[Profile]:
    """Every profile folder with result tables; a clear error if there is none or one is broken."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise UsageError(f"no results folder {results_dir}/: run `make benchmark` (or `make collect`) first")
    gate.check_links(results_dir)
    folders = sorted(p.parent for p in results_dir.glob("*/runs.csv"))
    if not folders:
        raise UsageError(f"no results in {results_dir}/: run `make benchmark` (or `make collect`) first")
    known = catalogue.read(results_dir)
    profiles = []
    for folder in folders:
        gate.check_folder_name(folder, "profile")
        runs = read_table(folder / "runs.csv", RUN_COLUMNS)
        if not runs.profile.eq(folder.name).all():
            raise UsageError(f"{folder / 'runs.csv'} holds rows of profile(s) "
                             f"{', '.join(sorted(set(runs.profile) - {folder.name}))[:80]} in folder {folder.name}: {reading.FIX}")
        per_image = read_table(folder / "per_image.csv", PER_IMAGE_COLUMNS)
        if runs.empty:
            raise UsageError(f"{folder / 'runs.csv'} has no rows: run `make benchmark PROFILE={folder.name}` first")
        check_complete(folder, runs, per_image)
        curves = read_table(folder / "curves.csv", CURVE_COLUMNS) if (folder / "curves.csv").exists() else None
        reproduced = read_table(folder / "reproduced.csv", RECORD_COLUMNS) if (folder / "reproduced.csv").exists() else None
        profiles.append(Profile(folder.name, runs, per_image, folder, known, list(dict.fromkeys(runs.scenario)), curves,
                                reproduced))
    for p in profiles:
        catalogue.check_agrees(known, results_dir, p.folder / "runs.csv", set(p.runs.scenario), set(p.runs.method))
    return profiles


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A result table, through the gate for untrusted results folders (``pipeline.analysis.gate``)."""
    return gate.read_table(path, columns)


def check_complete(folder: Path, runs: pd.DataFrame, per_image: pd.DataFrame) -> None:
    """Refuse tables cut short or edited (a truncated copy, an interrupted transfer, a changed
    row): every run row whole and once, each image of a run once, exactly ``n_test`` per-image rows
    for each run that finished ok and none for any other, and each row agreeing with its run's
    ``run.json`` where the folder holds it (``check_records``)."""
    keys = ["scenario", "method", "seed"]
    fix = f"the tables in {folder} are incomplete; run `make collect PROFILE={folder.name}` again"
    if runs[keys + ["status", "config_hash", "n_test"]].isna().any(axis=None):
        raise UsageError(f"{folder / 'runs.csv'} has rows cut short: {fix}")
    for path, table, key in ((folder / "runs.csv", runs, keys), (folder / "per_image.csv", per_image, keys + ["image_id"])):
        twice = table[table.duplicated(key, keep=False)]
        if len(twice):
            lines = ", ".join(str(i + 2) for i in twice.index[:2])
            raise UsageError(f"{path}: lines {lines} are the same {'/'.join(key)} "
                             f"({'/'.join(str(v)[:40] for v in twice.iloc[0][key])}): {reading.FIX}")
    check_records(folder, runs)
    ok = runs[runs.status == "ok"].set_index(keys).n_test
    counts = per_image.groupby(keys).size()
    if not counts.reindex(ok.index).fillna(0).eq(ok).all() or len(counts) != len(ok):
        raise UsageError(f"{folder / 'per_image.csv'} does not hold every image of every run in runs.csv: {fix}")


def check_records(folder: Path, runs: pd.DataFrame) -> None:
    """Each row of ``runs.csv`` whose run folder holds a ``run.json`` must be that run: the same
    config hash, status and (for a finished run) PSNR and SSIM to the 6 digits the tables keep."""
    for index, row in runs.iterrows():
        path = folder / "runs" / row.scenario / row.method / f"seed{int(row.seed)}" / "run.json"
        if not os.path.lexists(path):
            continue
        record = reading.load_json(path)
        if not isinstance(record, dict):
            raise reading.refuse(path, "not a run record")
        differ = [k for k in ("config_hash", "status") if str(record.get(k, "ok" if k == "status" else None)) != str(row[k])]
        if row.status == "ok":
            differ += [m for m in METRICS if not isinstance(record.get(m), (int, float))
                       or not abs(record[m] - row[m]) <= 1e-5 * abs(record[m])]  # the tables keep 6 digits
        if differ:
            raise UsageError(f"{folder / 'runs.csv'}, line {index + 2}, and {path} differ in {', '.join(differ)}: "
                             f"{reading.FIX}")


@dataclass
class CustomResults:
    """Runs made with a user's model, physics or metrics: their own table, never the leaderboard's."""

    profile: str
    label: str
    parts: dict  # import paths: model, physics, metrics
    runs: pd.DataFrame


def read_custom(results_dir: Path) -> list[CustomResults]:
    """Every ``results/<profile>/custom/<label>/`` with collected tables."""
    found = []
    for folder in sorted(Path(results_dir).glob("*/custom/*")):
        if (folder / "runs.csv").exists() and (folder / "custom.json").exists():
            gate.check_folder_name(folder, "custom label")
            parts = reading.load_json(folder / "custom.json")
            if not isinstance(parts, dict) or not all(isinstance(v, (str, list, type(None))) for v in parts.values()):
                raise UsageError(f"{folder / 'custom.json'} is not a table of import paths: {reading.FIX}")
            found.append(CustomResults(folder.parent.parent.name, folder.name, parts,
                                       read_table(folder / "runs.csv", RUN_COLUMNS)))
    return found


def read_evaluated(results_dir: Path) -> dict[str, pd.DataFrame]:
    """Each profile's ``evaluated.csv`` (checkpoints evaluated without training), by profile."""
    return {path.parent.name: read_table(path, EVALUATED_COLUMNS) for path in sorted(Path(results_dir).glob("*/evaluated.csv"))}


def curve_ends(profile: Profile) -> dict[tuple[str, str], convergence.Convergence]:
    """How each (scenario, method)'s learning curve ended, over every seed, a diverged run
    included (``convergence.convergence`` of the profile's curves and runs; computed once)."""
    if profile.ends is None:
        profile.ends = convergence.convergence(profile.curves, profile.runs, profile.per_image)
    return profile.ends


def scenario_table(profile: Profile, scenario: str) -> pd.DataFrame:
    """One row per method: mean over seeds of each metric, its CI, the seed spread and costs,
    sorted by rank and then PSNR, each variant below its parent, with the reference rows and the
    best self-supervised method marked."""
    if scenario not in profile.tables:
        profile.tables[scenario] = new_scenario_table(profile, scenario)
    return profile.tables[scenario].copy()


def new_scenario_table(profile: Profile, scenario: str) -> pd.DataFrame:
    runs = profile.runs[profile.runs.scenario == scenario]
    images = profile.per_image[profile.per_image.scenario == scenario]
    table = summarise(runs, images).sort_values("psnr", ascending=False, kind="stable")  # a diverged method (NaN) last
    table["reference"] = table.method.isin(REFERENCES)
    table["variant"] = table.variant_of != ""
    learners = table[~table.reference & ~table.variant & table.psnr.notna()]
    table["best"] = False
    if not learners.empty:
        table.loc[learners.psnr.idxmax(), "best"] = True
    scored = table.psnr.notna()
    rank = significant_ranks(images, list(table.method[scored]), list(table.method[scored & ~table.variant]))
    table["rank"] = table.method.map(rank).astype("Int64")
    table["tied"] = table["rank"].duplicated(keep=False) & table["rank"].notna()
    # by rank, then PSNR: the paper's methods' ranks never decrease down the table (a variant's, which
    # moves no one, is shown apart)
    table = table.sort_values(["rank", "psnr"], ascending=[True, False], na_position="last", kind="stable")
    return under_parents(table.reset_index(drop=True))


def rank_table(profile: Profile, scenario: str) -> pd.DataFrame:
    """The scenario table's methods, in its order, with their PSNR rank in every bootstrap sample
    summarised (``ranking.rank_distribution``: ranked like the table's ``rank``, variants among
    the paper's methods without moving them; ``p_best`` against the paper's self-supervised methods)."""
    if scenario not in profile.rankings:
        table = scenario_table(profile, scenario)
        scored = table[table.psnr.notna()]
        competitors = list(scored.method[~scored.variant])
        profile.rankings[scenario] = rank_distribution(
            profile.per_image[profile.per_image.scenario == scenario], list(scored.method), competitors,
            [m for m in competitors if m not in REFERENCES])
    return profile.rankings[scenario].copy()


def seconds_per_epoch(profile: Profile, scenario: str) -> pd.Series:
    """Training seconds per epoch of each method in ``scenario`` that trains (mean over its runs; a method
    without training, zero epochs, has none)."""
    runs = profile.runs[(profile.runs.scenario == scenario) & (profile.runs.epochs > 0)]
    return (runs.train_seconds / runs.epochs).groupby(runs.method).mean()


def significant_ranks(images: pd.DataFrame, methods: list[str], competitors: list[str]) -> dict[str, int]:
    """PSNR rank of each method in which a difference within the CIs is a tie.

    A method's rank is 1 + the number of ``competitors`` that beat it: whose paired PSNR
    difference on the same test images and seeds has a 95 % t-interval over the seeds entirely
    above zero. Methods neither of which beats the other can share a rank. Variants are ranked
    against the paper's methods but are not competitors, so they never move a paper method.
    """
    psnr = Samples.of(images, "psnr", methods)
    return {m: 1 + sum(psnr.difference(c, m)[1] > 0 for c in competitors if c != m) for m in methods}


def under_parents(table: pd.DataFrame) -> pd.DataFrame:
    """The rows in their order, each variant moved just below the method of the paper it varies."""
    variants = table[table.variant]
    order = []
    for index, method in table.method[~table.variant].items():
        order += [index, *variants.index[variants.variant_of == method]]
    order += [i for i in variants.index if i not in order]  # a variant whose parent has not run
    return table.loc[order].reset_index(drop=True)


def paired_comparison(profile: Profile, scenario: str, baseline: str) -> pd.DataFrame:
    """Per method: mean PSNR/SSIM difference to ``baseline`` on the same test images (and seeds),
    with its 95 % t-interval over the seeds (``ranking.Samples.difference``),
    and the share of images where the method is better."""
    images = profile.per_image[profile.per_image.scenario == scenario]
    columns = ["method", "baseline", "psnr_diff", "psnr_diff_low", "psnr_diff_high", "ssim_diff", "share_better"]
    methods = list(dict.fromkeys(images.method))
    if baseline not in methods:
        return pd.DataFrame(columns=columns)
    psnr, ssim = (Samples.of(images, metric, methods) for metric in ("psnr", "ssim"))
    rows = []
    for method in methods:
        if method == baseline:
            continue
        diff, low, high = psnr.difference(method, baseline)
        better = psnr.values[:, methods.index(method)] - psnr.values[:, methods.index(baseline)]
        rows.append({"method": method, "baseline": baseline, "psnr_diff": diff, "psnr_diff_low": low,
                     "psnr_diff_high": high, "ssim_diff": ssim.difference(method, baseline)[0],
                     "share_better": float(np.mean(better[~np.isnan(better)] > 0))})
    return pd.DataFrame(rows, columns=columns).sort_values("psnr_diff", ascending=False, kind="stable").reset_index(drop=True)


def results_version(profile: Profile) -> str:
    """The commit and date of the profile's newest run, in words: which code made the results shown
    (a commit marked ``-dirty`` had uncommitted changes, said so)."""
    newest = profile.runs.sort_values("finished_at", kind="stable").iloc[-1]
    commit = str(newest.git_commit)
    clean = commit.removesuffix("-dirty")
    changes = " with uncommitted changes" if clean != commit else ""
    return f"newest run finished {str(newest.finished_at)[:16].replace('T', ' ')} UTC, made at commit {clean[:10]}{changes}"


def headline(profile: Profile) -> pd.DataFrame:
    """Methods x scenarios PSNR (mean over seeds), for the home page."""
    return profile.runs.pivot_table(index="method", columns="scenario", values="psnr", aggfunc="mean")[profile.scenarios]
