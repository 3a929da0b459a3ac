"""Collect finished runs into the result tables ``runs.csv`` and ``per_image.csv``.

Only runs whose config hash matches the current grid are collected, so results of another
profile or an older configuration are never mixed into a table. Rows are in grid order
(scenario, method, seed) and files are replaced atomically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import storage
from pipeline.runs import RunSpec, read_run

BOOTSTRAP_SAMPLES = 2000
METRICS = ("psnr", "ssim")
RUN_COLUMNS = [
    "profile", "scenario", "method", "seed", "dataset",
    "psnr", "psnr_ci_low", "psnr_ci_high", "ssim", "ssim_ci_low", "ssim_ci_high",
    "n_test", "n_train", "img_size", "epochs", "train_seconds", "eval_seconds", "n_params", "peak_memory_mb",
    "device", "device_name", "threads", "config_hash", "git_commit", "torch", "deepinv", "python", "finished_at",
]
PER_IMAGE_COLUMNS = ["profile", "scenario", "method", "seed", "image", "image_id", "psnr", "ssim"]


def bootstrap_ci(values: np.ndarray, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean over test images."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(BOOTSTRAP_SAMPLES, len(values)), replace=True).mean(axis=1)
    alpha = (1 - level) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def run_row(record: dict, per_image: pd.DataFrame) -> dict:
    row = {k: record[k] for k in RUN_COLUMNS if k in record}
    for metric in METRICS:
        row[metric] = float(per_image[metric].mean())
        row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = bootstrap_ci(per_image[metric].to_numpy())
    for package in ("torch", "deepinv", "python"):
        row[package] = record["versions"][package]
    return row


def collect(specs: list[RunSpec], results_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """Write the tables of a profile from its finished, current runs; returns (runs, not collected)."""
    profiles = {s.profile.name for s in specs}
    if len(profiles) != 1:
        raise ValueError(f"collect one profile at a time, got {sorted(profiles)}")
    rows, images, missing = [], [], []
    for spec in specs:
        folder = spec.folder(results_dir)
        record = read_run(folder)
        if record is None or record["config_hash"] != spec.config_hash():
            missing.append(spec.run_id + (" (stale config)" if record else ""))
            continue
        per_image = pd.read_csv(folder / "per_image.csv")
        rows.append(run_row(record, per_image))
        ids = {"profile": spec.profile.name, "scenario": spec.scenario.name, "method": spec.method.name, "seed": spec.seed}
        images.append(per_image.assign(**ids))
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS)
    per_image = pd.concat(images, ignore_index=True)[PER_IMAGE_COLUMNS] if images else pd.DataFrame(columns=PER_IMAGE_COLUMNS)
    table_dir = Path(results_dir) / profiles.pop()
    write_if_changed(table_dir / "runs.csv", runs.to_csv(index=False, float_format="%.6g"))
    write_if_changed(table_dir / "per_image.csv", per_image.to_csv(index=False, float_format="%.6g"))
    return runs, missing


def write_if_changed(path: Path, text: str) -> None:
    """Atomic write that leaves an identical file untouched (so make sees nothing new)."""
    if path.exists() and path.read_text() == text:
        return
    storage.write_text(path, text)


def report(runs: pd.DataFrame, missing: list[str], table_dir: Path, out=sys.stderr) -> None:
    print(f"collected {len(runs)} run(s) into {table_dir}/runs.csv and per_image.csv", file=out)
    if missing:
        print(f"not collected ({len(missing)}, not yet run): {', '.join(missing)}", file=out)
