"""Collect finished runs into the result tables ``runs.csv``, ``per_image.csv``, ``summary.csv``
(one row per scenario and method, with the spread across seeds), ``curves.csv`` (the
learning curves: test metrics on a subset of test images at a few epochs) and
``curves_per_image.csv`` (the same points, image by image: the doubling test's input).

The tables hold the whole profile (``grid.table_specs``): a benchmark narrowed to some
scenarios, methods or seeds adds its runs to them, never replaces them with its own. Only runs
whose config hash matches the current grid are collected, so results of another profile or an
older configuration are never mixed into a table. Rows are in grid order (scenario, method,
seed) and files are replaced atomically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analysis import catalogue
from pipeline.setting import imported as custom
from pipeline.base import locks, storage
from pipeline.base.intervals import t_interval
from pipeline.methods import registry
from pipeline.setting.profiles import PROFILES
from pipeline.base import PROJECT_ROOT
from pipeline.setting.scenarios import SCENARIOS
from pipeline.base.tables import (
    CURVE_COLUMNS, CURVE_IMAGE_COLUMNS, CURVE_LOSS, EVALUATED_COLUMNS, METRICS, PER_IMAGE_COLUMNS, RUN_COLUMNS,
    made_on, summarise, to_csv,
)
from pipeline.run.results import finished
from pipeline.run.spec import RunSpec, read_per_image, read_run

def run_row(record: dict, per_image: pd.DataFrame | None, metrics: tuple[str, ...] = METRICS) -> dict:
    """A run's row: its record, with metrics and CIs from its per-image table (empty if it diverged)."""
    row = {k: record[k] for k in RUN_COLUMNS if k in record}
    row.setdefault("status", "ok")
    kernels = record.get("kernels") or {}
    row["kernels"], row["kernels_source"] = kernels.get("label", "not recorded"), kernels.get("source", "")
    for metric in metrics:
        if per_image is None:
            row[metric] = row[f"{metric}_ci_low"] = row[f"{metric}_ci_high"] = float("nan")
            continue
        row[metric] = float(per_image[metric].mean())
        values = per_image[metric].to_numpy()  # one run: its test images are the only replicates
        row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = t_interval(values, np.arange(len(values)))[1:]
    for package in ("torch", "deepinv", "python"):
        row[package] = record["versions"][package]
    return row


def collect(specs: list[RunSpec], results_dir: Path, asked: set[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Write the tables of a profile from the finished, current runs among ``specs``; returns
    (runs, not collected). Only the runs ``asked`` for (run ids; default all) that are missing or
    stale are reported as not collected: the others were never part of the request."""
    profiles = {s.profile.name for s in specs}
    table_dirs = {s.tables_dir(results_dir) for s in specs}
    if len(profiles) != 1 or len(table_dirs) != 1:
        raise ValueError(f"collect one profile (and set of custom parts) at a time, got {sorted(profiles)}")
    extra = tuple(custom.metric_name(m) for m in specs[0].custom.metrics)
    rows, images, curves, curve_images, missing = [], [], [], [], []
    for spec in specs:
        found = finished(spec, results_dir, METRICS + extra)
        if found is None:
            if asked is None or spec.run_id in asked:
                record = read_run(spec.folder(results_dir))
                missing.append(spec.run_id + (" (stale config)" if record else ""))
            continue
        rows.append(run_row(found.record, found.per_image, METRICS + extra))
        if found.per_image is None:  # diverged: a row that says so, no per-image scores
            continue
        ids = {"profile": spec.profile.name, "scenario": spec.scenario.name, "method": spec.method.name, "seed": spec.seed}
        images.append(found.per_image.assign(**ids))
        if found.curve is not None:
            curves.append(found.curve.assign(**ids))
        if found.curve_per_image is not None:
            curve_images.append(found.curve_per_image.assign(**ids))
    extra_columns = [f"{m}{suffix}" for m in extra for suffix in ("", "_ci_low", "_ci_high")]
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS + extra_columns)
    columns = PER_IMAGE_COLUMNS + list(extra)
    per_image = pd.concat(images, ignore_index=True)[columns] if images else pd.DataFrame(columns=columns)
    table_dir = table_dirs.pop()
    with locks.exclusive(table_dir / ".collect.lock", f"another process is collecting {table_dir}: waiting"):
        if specs[0].custom:  # what these runs were made with, beside their tables
            storage.write_json(table_dir / "custom.json", {"label": specs[0].custom.label, **specs[0].custom.as_config()})
        for name, table in [("runs", runs), ("per_image", per_image), ("summary", summarise(runs, per_image)),
                            ("curves", stacked(curves, CURVE_COLUMNS + [CURVE_LOSS])),
                            ("curves_per_image", stacked(curve_images, CURVE_IMAGE_COLUMNS))]:
            storage.write_if_changed(table_dir / f"{name}.csv", to_csv(table, float_format="%.6g"))
        evaluated = collect_evaluated(table_dir)
        if not evaluated.empty:
            storage.write_if_changed(table_dir / "evaluated.csv", to_csv(evaluated, float_format="%.6g"))
    catalogue.write(results_dir, catalogue.from_registry(registry(), SCENARIOS, PROFILES, PROJECT_ROOT))
    return runs, missing


def stacked(tables: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)


def collect_evaluated(table_dir: Path) -> pd.DataFrame:
    """Every checkpoint evaluated into ``table_dir/evaluated/<scenario>/<method>/seed<k>``: one row each."""
    rows = []
    for folder in sorted(table_dir.glob("evaluated/*/*/seed*")):
        record = read_run(folder)
        if record is None:
            continue
        row = {**run_row(record, read_per_image(folder, METRICS)), **{k: record.get(k) for k in EVALUATED_COLUMNS if k in record}}
        rows.append({k: row.get(k) for k in EVALUATED_COLUMNS})
    return pd.DataFrame(rows, columns=EVALUATED_COLUMNS)


def report(runs: pd.DataFrame, missing: list[str], table_dir: Path, out=None) -> None:
    out = out or sys.stderr
    print(f"collected {len(runs)} run(s) into {table_dir}/runs.csv, per_image.csv, summary.csv and curves(_per_image).csv", file=out)
    for failed in runs[runs.status != "ok"].itertuples():
        print(f"{failed.status}: {failed.scenario}/{failed.method}/seed{failed.seed}: {failed.failure}", file=out)
    for scenario, group in runs.groupby("scenario", sort=False):
        kinds = made_on(group).value_counts()
        if len(kinds) > 1:
            print(f"note: {scenario} mixes runs made on other kernels or thread counts "
                  f"({'; '.join(f'{k} ×{n}' for k, n in kinds.items())}): their numbers are not bit-comparable "
                  "(make reproduce RECORD=... proves or redoes them)", file=out)
    if missing:
        print(f"not collected ({len(missing)}, not yet run): {', '.join(missing)}", file=out)
