"""A run: train one method on one scenario of one profile with one seed, evaluate, and record.

Life cycle: everything is written into a hidden temporary folder next to the run folder,
then moved into place with one ``rename``. A run killed at any moment therefore leaves no
folder that looks finished; ``run.json`` in the run folder is the mark of a finished run, and
its config hash decides whether the run is still current (skipped) or stale (redone).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable

import torch

from pipeline.base import locks, provenance, storage
from pipeline.run import checkpoints
from pipeline.run.evaluation import evaluate_into, now
from pipeline.run.setup import base_record, learning_curve, prepare
from pipeline.run.spec import RUN_FILE, RunSpec, is_current
from pipeline.run.training import Diverged, train, write_train_log


def execute(spec: RunSpec, results_dir: Path, cache_dir: Path, device: torch.device,
            progress: bool = True, weights_dir: Path | None = None) -> tuple[Path, bool]:
    """Do the run unless a current finished one exists; returns the run folder and whether it ran now.

    A lock per run makes a second process that reaches the same run wait for the first, then
    find it finished, instead of training it twice. With ``weights_dir`` the trained weights are
    kept there (``pipeline.run.checkpoints``).
    """
    final = spec.folder(results_dir)
    if is_current(spec, results_dir):
        return final, False
    lock = final.parent / f".{final.name}.lock"
    try:
        with locks.exclusive(lock, f"{spec.run_id} is being run by another process: waiting for it to finish"):
            if is_current(spec, results_dir):
                return final, False
            attempt(spec, results_dir, cache_dir, device, progress, weights_dir)
    except BaseException:
        prune_empty(final.parent, Path(results_dir))  # a failed run leaves no empty folders behind
        raise
    return final, True


def prune_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``top`` while they are empty."""
    top = top.absolute()
    folder = folder.absolute()
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (another run's files) or already gone
            return
        folder = folder.parent


def attempt(spec: RunSpec, results_dir: Path, cache_dir: Path, device: torch.device, progress: bool,
            weights_dir: Path | None = None) -> None:
    """Train and evaluate into a temporary folder, then move it into place in one rename."""
    final = spec.folder(results_dir)
    remove_abandoned_attempts(final)
    write_run_folder(spec, final, lambda tmp: train_and_evaluate(spec, tmp, cache_dir, device, progress, weights_dir))


def write_run_folder(spec: RunSpec, final: Path, fill: Callable[[Path], dict]) -> None:
    """``fill`` writes a run's files into a temporary folder and returns its record; the folder,
    completed with config.json and run.json, then replaces ``final`` in one rename."""
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        record = fill(tmp)
        config = {"config_hash": spec.config_hash(), **spec.config()}
        storage.write_json(tmp / "config.json", config)
        storage.write_json(tmp / RUN_FILE, record)
        storage.replace_folder(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_abandoned_attempts(final: Path) -> None:
    """Delete temporary folders of earlier attempts at this run whose process is gone."""
    for stale in final.parent.glob(f".{final.name}.*-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not storage.process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def train_and_evaluate(spec: RunSpec, out: Path, cache_dir: Path, device: torch.device, progress: bool,
                       weights_dir: Path | None = None) -> dict:
    """Train the run's network into ``out`` (learning curve, train log, kept weights), evaluate it
    on the test measurements and return the run's record."""
    parts = prepare(spec, cache_dir, device)
    data, physics, setup, model = parts.data, parts.physics, parts.setup, parts.model
    provenance.reset_peak_memory(device)

    record = {**base_record(spec, data, model, device), "n_train": len(data.train),
              "epochs": spec.profile.epochs if spec.method.losses is not None else 0}
    start = time.perf_counter()
    history: dict[str, list[float]] = {}
    curve = learning_curve(spec, setup, data, device)
    try:
        if spec.method.losses is not None:
            model, history = train(spec, model, physics, setup, data.train, device, progress, curve)
    except Diverged as diverged:
        return {**record, "status": "diverged", "failure": str(diverged), "failed_epoch": diverged.epoch,
                "train_seconds": round(time.perf_counter() - start, 3), "finished_at": now()}
    finally:
        if curve.rows:
            curve.write(out)
    train_seconds = time.perf_counter() - start
    if curve.rows:
        record.update(curve_images=len(curve.subset), curve_seconds=round(curve.seconds, 3))

    record = {**record, **evaluate_into(out, model, physics, data.test, spec.profile, device, parts.metrics),
              "train_seconds": round(train_seconds, 3), "peak_memory_mb": round(provenance.peak_memory_mb(device), 1)}
    write_train_log(out / "train_log.csv", history)
    if weights_dir is not None:
        kept = checkpoints.keep(weights_dir, model, spec, record)
        record["weights"] = provenance.project_relative(kept)
    return record


def evaluate_checkpoint(spec: RunSpec, checkpoint_path: Path, results_dir: Path, cache_dir: Path,
                        device: torch.device) -> Path:
    """Evaluate saved weights without training, into ``results/<profile>/evaluated/...``.

    The folder is a normal run folder (run.json marked ``evaluated_from``), kept apart from the
    trained runs so that ``collect`` never mixes it into the leaderboard.
    """
    checkpoint = checkpoints.read(checkpoint_path)
    parts = prepare(spec, cache_dir, device, training=False)
    data, model = parts.data, checkpoints.adapt(parts.model, spec, parts.setup)
    checkpoints.load_into(model, checkpoint, Path(checkpoint_path), spec)
    final = spec.results_folder(results_dir, "evaluated")
    write_run_folder(spec, final, lambda tmp: {
        **base_record(spec, data, model, device), "epochs": 0, "evaluated_from": provenance.project_relative(checkpoint_path),
        "trained_as": checkpoint.get("run_id"), "trained_config_hash": checkpoint.get("config_hash"),
        **evaluate_into(tmp, model, parts.physics, data.test, spec.profile, device, parts.metrics),
    })
    return final
