"""Collect finished runs into the result tables ``runs.csv``, ``per_image.csv``, ``summary.csv``
(one row per scenario and method, with the spread across seeds) and ``curves.csv`` (the
learning curves: test metrics on a subset of test images at a few epochs).

Only runs whose config hash matches the current grid are collected, so results of another
profile or an older configuration are never mixed into a table. Rows are in grid order
(scenario, method, seed) and files are replaced atomically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import locks, storage
from pipeline.runs import RunSpec, read_per_image, read_run

BOOTSTRAP_SAMPLES = 2000
METRICS = ("psnr", "ssim")
RUN_COLUMNS = [
    "profile", "scenario", "method", "variant_of", "departure", "seed", "dataset", "status", "failure",
    "psnr", "psnr_ci_low", "psnr_ci_high", "ssim", "ssim_ci_low", "ssim_ci_high",
    "n_test", "n_train", "img_size", "epochs", "train_seconds", "eval_seconds", "n_params", "peak_memory_mb",
    "device", "device_name", "threads", "config_hash", "git_commit", "torch", "deepinv", "python", "finished_at",
]
PER_IMAGE_COLUMNS = ["profile", "scenario", "method", "seed", "image", "image_id", "psnr", "ssim"]
CURVE_COLUMNS = ["profile", "scenario", "method", "seed", "epoch", "psnr", "ssim", "images"]


def bootstrap_ci(values: np.ndarray, level: float = 0.95, seed: int = 0,
                 groups: np.ndarray | None = None) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean.

    With ``groups`` (the training seed of each value), a two-level bootstrap: resample the seeds
    with replacement, then the values (test images) within each drawn seed, so the interval
    includes the randomness of training as well as that of the test set. With one group (or
    none) it is the plain bootstrap over values.
    """
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    labels = np.unique(groups) if groups is not None else []
    if len(labels) <= 1:
        means = rng.choice(values, size=(BOOTSTRAP_SAMPLES, len(values)), replace=True).mean(axis=1)
    else:
        means = two_level_means(values, np.asarray(groups), labels, rng)
    alpha = (1 - level) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def two_level_means(values: np.ndarray, groups: np.ndarray, labels: np.ndarray, rng) -> np.ndarray:
    """Bootstrap means: draw len(labels) groups with replacement, then each group's values."""
    per_group = [values[groups == label] for label in labels]
    picks = rng.integers(0, len(labels), size=(BOOTSTRAP_SAMPLES, len(labels)))
    sums, counts = np.zeros(BOOTSTRAP_SAMPLES), np.zeros(BOOTSTRAP_SAMPLES)
    for k, group in enumerate(per_group):
        drawn = picks == k  # (samples, positions) where group k was drawn
        times = drawn.sum(axis=1)
        for t in np.unique(times[times > 0]):
            rows = np.flatnonzero(times == t)
            resampled = rng.choice(group, size=(len(rows), t * len(group)), replace=True)
            sums[rows] += resampled.sum(axis=1)
            counts[rows] += t * len(group)
    return sums / counts


def run_row(record: dict, per_image: pd.DataFrame | None, metrics: tuple[str, ...] = METRICS) -> dict:
    """A run's row: its record, with metrics and CIs from its per-image table (empty if it diverged)."""
    row = {k: record[k] for k in RUN_COLUMNS if k in record}
    row.setdefault("status", "ok")
    for metric in metrics:
        if per_image is None:
            row[metric] = row[f"{metric}_ci_low"] = row[f"{metric}_ci_high"] = float("nan")
            continue
        row[metric] = float(per_image[metric].mean())
        row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = bootstrap_ci(per_image[metric].to_numpy())
    for package in ("torch", "deepinv", "python"):
        row[package] = record["versions"][package]
    return row


def collect(specs: list[RunSpec], results_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """Write the tables of a profile from its finished, current runs; returns (runs, not collected)."""
    profiles = {s.profile.name for s in specs}
    table_dirs = {s.tables_dir(results_dir) for s in specs}
    if len(profiles) != 1 or len(table_dirs) != 1:
        raise ValueError(f"collect one profile (and set of custom parts) at a time, got {sorted(profiles)}")
    extra = tuple(m.rsplit(":", 1)[-1].lower() for m in specs[0].custom.metrics)
    rows, images, curves, missing = [], [], [], []
    for spec in specs:
        folder = spec.folder(results_dir)
        record = read_run(folder)
        if record is None or record["config_hash"] != spec.config_hash():
            missing.append(spec.run_id + (" (stale config)" if record else ""))
            continue
        if record.get("status", "ok") != "ok":  # diverged: a row that says so, no per-image scores
            rows.append(run_row(record, None, METRICS + extra))
            continue
        per_image = read_per_image(folder, METRICS + extra)
        rows.append(run_row(record, per_image, METRICS + extra))
        ids = {"profile": spec.profile.name, "scenario": spec.scenario.name, "method": spec.method.name, "seed": spec.seed}
        images.append(per_image.assign(**ids))
        if (folder / "curve.csv").exists():
            curves.append(pd.read_csv(folder / "curve.csv").assign(**ids))
    extra_columns = [f"{m}{suffix}" for m in extra for suffix in ("", "_ci_low", "_ci_high")]
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS + extra_columns)
    columns = PER_IMAGE_COLUMNS + list(extra)
    per_image = pd.concat(images, ignore_index=True)[columns] if images else pd.DataFrame(columns=columns)
    table_dir = table_dirs.pop()
    with locks.exclusive(table_dir / ".collect.lock", f"another process is collecting {table_dir}: waiting"):
        if specs[0].custom:  # what these runs were made with, beside their tables
            storage.write_json(table_dir / "custom.json", {"label": specs[0].custom.label, **specs[0].custom.as_config()})
        curve_table = pd.concat(curves, ignore_index=True)[CURVE_COLUMNS] if curves else pd.DataFrame(columns=CURVE_COLUMNS)
        for name, table in [("runs", runs), ("per_image", per_image), ("summary", summarise(runs, per_image)),
                            ("curves", curve_table)]:
            write_if_changed(table_dir / f"{name}.csv", table.to_csv(index=False, float_format="%.6g"))
    return runs, missing


def summarise(runs: pd.DataFrame, per_image: pd.DataFrame) -> pd.DataFrame:
    """One row per (scenario, method): whether it is a variant (of which method of the paper, and
    how it departs), metrics averaged over seeds with 95 % CIs that resample seeds and then test
    images (``bootstrap_ci`` with groups), the spread across seeds (std, NaN with one seed), how
    many seeds ran and diverged, and the costs."""
    grouped = runs.groupby(["scenario", "method"], sort=False)
    table = grouped.agg(
        variant_of=("variant_of", "first"), departure=("departure", "first"),
        psnr=("psnr", "mean"), psnr_seed_std=("psnr", "std"), ssim=("ssim", "mean"), ssim_seed_std=("ssim", "std"),
        seeds=("seed", "nunique"), diverged=("status", lambda status: int((status != "ok").sum())),
        train_seconds=("train_seconds", "mean"), n_params=("n_params", "first"),
        peak_memory_mb=("peak_memory_mb", "max"), n_test=("n_test", "first"),
    ).reset_index()
    images = dict(tuple(per_image.groupby(["scenario", "method"], sort=False)))
    for metric in METRICS:
        bounds = [bootstrap_ci(group[metric], groups=group.seed.to_numpy()) if (group := images.get(key)) is not None
                  else (float("nan"), float("nan")) for key in zip(table.scenario, table.method)]
        table.insert(table.columns.get_loc(metric) + 1, f"{metric}_ci_low", [low for low, _ in bounds])
        table.insert(table.columns.get_loc(metric) + 2, f"{metric}_ci_high", [high for _, high in bounds])
    labels = ["variant_of", "departure"]  # all empty (NaN, float) when no variant ran
    table[labels] = table[labels].astype(object).fillna("")
    return table


def write_if_changed(path: Path, text: str) -> None:
    """Atomic write that leaves an identical file untouched (so make sees nothing new)."""
    if path.exists() and path.read_text() == text:
        return
    storage.write_text(path, text)


def report(runs: pd.DataFrame, missing: list[str], table_dir: Path, out=None) -> None:
    out = out or sys.stderr
    print(f"collected {len(runs)} run(s) into {table_dir}/runs.csv, per_image.csv, summary.csv and curves.csv", file=out)
    for failed in runs[runs.status != "ok"].itertuples():
        print(f"{failed.status}: {failed.scenario}/{failed.method}/seed{failed.seed}: {failed.failure}", file=out)
    if missing:
        print(f"not collected ({len(missing)}, not yet run): {', '.join(missing)}", file=out)
