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

from pipeline.base.intervals import NO_INTERVAL, t_interval

METRICS = ("psnr", "ssim")
RUN_COLUMNS = [
    "profile", "scenario", "method", "variant_of", "departure", "seed", "dataset", "status", "failure",
    "psnr", "psnr_ci_low", "psnr_ci_high", "ssim", "ssim_ci_low", "ssim_ci_high",
    "n_test", "n_train", "img_size", "epochs", "train_seconds", "eval_seconds", "n_params", "peak_memory_mb",
    "device", "device_name", "threads", "kernels", "kernels_source", "config_hash", "git_commit", "torch", "deepinv",
    "python", "finished_at",
]
PER_IMAGE_COLUMNS = ["profile", "scenario", "method", "seed", "image", "image_id", "psnr", "ssim"]
CURVE_COLUMNS = ["profile", "scenario", "method", "seed", "epoch", "psnr", "ssim", "images"]
# written by collect beside them: the training loss over the epoch that ends at each point (the sum of
# the loss terms' epoch means, generator and discriminator included); tables collected before it lack it
CURVE_LOSS = "loss"
CURVE_IMAGE_COLUMNS = ["profile", "scenario", "method", "seed", "epoch", "image_id", "psnr", "ssim"]
# saved weights evaluated without training (``python -m pipeline evaluate``): never the leaderboard's
EVALUATED_COLUMNS = [
    "profile", "scenario", "method", "seed", "evaluated_from", "trained_as", "psnr", "psnr_ci_low", "psnr_ci_high",
    "ssim", "ssim_ci_low", "ssim_ci_high", "n_test", "config_hash", "trained_config_hash", "finished_at",
]

SUMMARY_COLUMNS = [
    "scenario", "method", "variant_of", "departure", "psnr", "psnr_ci_low", "psnr_ci_high", "psnr_seed_std",
    "ssim", "ssim_ci_low", "ssim_ci_high", "ssim_seed_std", "seeds", "diverged", "train_seconds", "n_params",
    "peak_memory_mb", "n_test", "kernels",
]
# re-runs of committed runs compared image by image (``make reproduce RECORD=...``): reproduced.csv
RECORD_COLUMNS = ["scenario", "method", "seed", "profile", "committed_hash", "identical", "psnr_largest_difference",
                  "ssim_largest_difference", "committed_kernels", "committed_threads", "kernels", "threads",
                  "device_name", "finished_at", "git_commit"]
# The tables a profile's folder holds (results/<profile>/), what one row is, and their columns:
# the site's Data page is generated from these, so its column dictionary cannot drift from them.
TABLES = {
    "runs.csv": ("one training run (scenario, method, seed)", RUN_COLUMNS),
    "summary.csv": ("one method in one scenario, over its seeds", SUMMARY_COLUMNS),
    "per_image.csv": ("one test image of one run", PER_IMAGE_COLUMNS),
    "curves.csv": ("one point of a run's learning curve (mean over the curve's test images)", CURVE_COLUMNS),
    "curves_per_image.csv": ("one test image at one point of a run's learning curve", CURVE_IMAGE_COLUMNS),
    "reproduced.csv": ("one committed run trained again and compared image by image (make reproduce RECORD=...)",
                       RECORD_COLUMNS),
}
CI = ("95 % t-interval of the mean (runs.csv: over the run's test images; summary.csv: over the seeds' means, "
      "pipeline.base.intervals)")
COLUMNS = {  # name: (unit, meaning)
    "profile": ("", "training and data budget (smoke, quick, cpu, paper): results of two profiles are never mixed"),
    "scenario": ("", "mri (noiseless single-coil), noisy, single (one operator), multicoil"),
    "method": ("", "the training loss, by its registered name (pipeline/methods/NAME.py)"),
    "variant_of": ("", "for a labelled variant, the paper's method it varies; empty for the paper's own"),
    "departure": ("", "for a variant, how it departs from that method"),
    "seed": ("", "run seed: the acquisition masks of the simulated measurements (train and test), the initial weights, the losses' draws and the batches"),
    "dataset": ("", "mni (brain slices embedded in nilearn) or fastmri"),
    "status": ("", "ok, or diverged (a non-finite loss or output: no scores)"),
    "failure": ("", "why a run diverged, in one line"),
    "psnr": ("dB", "peak signal-to-noise ratio of the magnitude image against ground truth (mean, in tables of runs)"),
    "psnr_ci_low": ("dB", f"lower end of the {CI}"), "psnr_ci_high": ("dB", f"upper end of the {CI}"),
    "psnr_seed_std": ("dB", "standard deviation across seeds of the per-seed mean PSNR (empty with one seed)"),
    "ssim": ("", "structural similarity of the magnitude image against ground truth, 0 to 1"),
    "ssim_ci_low": ("", f"lower end of the {CI}"), "ssim_ci_high": ("", f"upper end of the {CI}"),
    "ssim_seed_std": ("", "standard deviation across seeds of the per-seed mean SSIM"),
    "seeds": ("", "how many seeds ran"), "diverged": ("", "how many of them diverged"),
    "n_test": ("images", "test images scored"), "n_train": ("images", "training images (measurements only, for self-supervised methods)"),
    "img_size": ("pixels", "image side"), "epochs": ("", "passes over the training set"),
    "train_seconds": ("s", "wall-clock training time of one run (summary.csv: mean over seeds)"),
    "eval_seconds": ("s", "wall-clock time of the final evaluation"),
    "n_params": ("", "trainable parameters of the model"),
    "peak_memory_mb": ("MB", "peak memory of the run (CPU: resident set; GPU: allocated)"),
    "device": ("", "cpu or cuda"), "device_name": ("", "the processor or GPU model"),
    "threads": ("", "torch threads the run used"),
    "kernels": ("", "runs.csv: the instruction set of the run's CPU kernels as the libraries reported it (avx2: pinned, "
                    "bit-comparable on every x86-64 machine with the same thread count; cuda: a GPU run; not recorded: "
                    "a run made before runs recorded it); summary.csv: its seeds' kernels and threads, 'mixed: ...' "
                    "when they differ"),
    "kernels_source": ("", "where the kernels column comes from: recorded (the run's own record), reproduced (an "
                           "identical re-run under the pin, in reproduced.csv), or empty (not recorded)"),
    "config_hash": ("", "hash of everything that defines the run's result: a different hash is a different run"),
    "git_commit": ("", "commit of this repository that trained it (-dirty: with uncommitted changes)"),
    "torch": ("", "PyTorch version"), "deepinv": ("", "DeepInverse version"), "python": ("", "Python version"),
    "finished_at": ("", "when the run finished (UTC, ISO 8601)"),
    "committed_hash": ("", "reproduced.csv: the config hash of the committed run that was trained again"),
    "identical": ("", "reproduced.csv: whether every per-image PSNR and SSIM of the re-run equals the committed run's"),
    "psnr_largest_difference": ("dB", "reproduced.csv: the largest per-image PSNR difference between the run and its re-run"),
    "ssim_largest_difference": ("", "reproduced.csv: the largest per-image SSIM difference"),
    "committed_kernels": ("", "reproduced.csv: the kernels the committed run's record names (not recorded: made before runs recorded them)"),
    "committed_threads": ("", "reproduced.csv: the torch threads of the committed run"),
    "image": ("", "position of the image in the test split"), "image_id": ("", "the test image's identity: template view and slice (mni), file and slice (fastmri)"),
    "epoch": ("", "epochs trained when the curve point was scored"),
    "images": ("images", "test images the curve point is a mean over"),
}

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


def made_on(runs: pd.DataFrame) -> pd.Series:
    """Each run's kernels and threads in words (``avx2, 1 thread``): runs that differ in them are not
    bit-comparable (``pipeline.base.kernels``)."""
    threads = runs.threads.map(lambda t: "?" if pd.isna(t) else f"{int(t)}")
    return runs.kernels.fillna("not recorded").astype(str) + ", " + threads + " thread(s)"


def mixed_kernels(runs: pd.DataFrame) -> list[tuple[str, int]]:
    """How many runs were made on each kernels and thread count, when there is more than one
    (empty when every run is bit-comparable with every other)."""
    counts = made_on(runs).value_counts() if len(runs) else pd.Series(dtype=int)
    return [(str(k), int(n)) for k, n in counts.items()] if len(counts) > 1 else []


def one_or_mixed(values: pd.Series) -> str:
    """The one value of a group, or ``mixed: a ×2; b ×1`` when its runs differ."""
    counts = values.value_counts()
    return counts.index[0] if len(counts) == 1 else "mixed: " + "; ".join(f"{v} ×{n}" for v, n in counts.items())


def summarise(runs: pd.DataFrame, per_image: pd.DataFrame) -> pd.DataFrame:
    """One row per (scenario, method): whether it is a variant (of which method of the paper, and
    how it departs), metrics averaged over seeds with 95 % t-intervals over the seeds' means
    (``intervals.t_interval``; none with one seed), the spread across seeds (std, NaN with one seed), how
    many seeds ran and diverged, and the costs."""
    runs = runs.assign(made_on=made_on(runs))
    grouped = runs.groupby(["scenario", "method"], sort=False)
    table = grouped.agg(
        variant_of=("variant_of", "first"), departure=("departure", "first"),
        psnr=("psnr", "mean"), psnr_seed_std=("psnr", "std"), ssim=("ssim", "mean"), ssim_seed_std=("ssim", "std"),
        seeds=("seed", "nunique"), diverged=("status", lambda status: int((status != "ok").sum())),
        train_seconds=("train_seconds", "mean"), n_params=("n_params", "first"),
        peak_memory_mb=("peak_memory_mb", "max"), n_test=("n_test", "first"), kernels=("made_on", one_or_mixed),
    ).reset_index()
    images = dict(tuple(per_image.groupby(["scenario", "method"], sort=False)))
    for metric in METRICS:
        bounds = [t_interval(group[metric], group.seed.to_numpy())[1:] if (group := images.get(key)) is not None
                  else NO_INTERVAL for key in zip(table.scenario, table.method)]
        table.insert(table.columns.get_loc(metric) + 1, f"{metric}_ci_low", [low for low, _ in bounds])
        table.insert(table.columns.get_loc(metric) + 2, f"{metric}_ci_high", [high for _, high in bounds])
    labels = ["variant_of", "departure"]  # all empty (NaN, float) when no variant ran
    table[labels] = table[labels].astype(object).fillna("")
    return table[SUMMARY_COLUMNS]
