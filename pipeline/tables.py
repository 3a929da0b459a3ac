"""The result tables' columns, their CSV text and their statistics: what ``collect`` writes and the
leaderboard reads. Every text cell is written safe for spreadsheets (``to_csv``) and read back as it was.

Plain numpy and pandas (no torch), so that the site and ``findings`` can be used without the
training stack installed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

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
CURVE_IMAGE_COLUMNS = ["profile", "scenario", "method", "seed", "epoch", "image_id", "psnr", "ssim"]
# saved weights evaluated without training (``python -m pipeline evaluate``): never the leaderboard's
EVALUATED_COLUMNS = [
    "profile", "scenario", "method", "seed", "evaluated_from", "trained_as", "psnr", "psnr_ci_low", "psnr_ci_high",
    "ssim", "ssim_ci_low", "ssim_ci_high", "n_test", "config_hash", "trained_config_hash", "finished_at",
]

# how a cell starts that a spreadsheet may run as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` with a ``'`` in front if it is text that a spreadsheet would run as a formula
    (OWASP's advice); numbers, negative ones included, and any other value as they are."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def as_written(value):
    """The value that ``safe_cell`` was given: its ``'`` taken off again, when reading a table back."""
    quoted = isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS)
    return value[1:] if quoted else value


def to_csv(table: pd.DataFrame, float_format: str | None = None) -> str:
    """``table`` as CSV text with every header and text cell through ``safe_cell``: the result
    tables carry free text (failures, device names, image ids) and are opened in spreadsheets."""
    return table.rename(columns=safe_cell).map(safe_cell).to_csv(index=False, float_format=float_format)


def write_rows(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """``rows`` (dicts) as a CSV file, header and text cells through ``safe_cell``, as ``to_csv``;
    for the tables a run writes row by row (per-image scores, curves), without pandas."""
    columns = list(columns or rows[0])
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[safe_cell(name) for name in columns])
        writer.writeheader()
        writer.writerows({safe_cell(name): safe_cell(value) for name, value in row.items()} for row in rows)


def read_csv(path) -> pd.DataFrame:
    """A table written by ``to_csv``, its text as it was before ``safe_cell``."""
    return pd.read_csv(path).rename(columns=as_written).map(as_written)


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
