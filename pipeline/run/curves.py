"""Learning curves: the test PSNR and SSIM at a few points of training, without changing it.

At the end of chosen epochs the network is scored on a fixed subset of the test images (the
first ``n`` of the cached test split, recorded as such), per image and on average. The curves
show whether a method had converged; they are never used to pick a checkpoint. Scored on every
test image, a point is exactly the final evaluation of the same run stopped at that epoch (a
test checks it), which is what the doubling test (``pipeline.analysis.doubling``) reads. Scoring must not change the training: it
runs in eval mode without gradients, on an operator of its own, and the random streams it may
draw from (a splitting model's eval splits use the method's generator) are restored afterwards,
so a run gives the same final result with or without its curve (a test checks it).
"""

from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from pipeline.run.evaluation import evaluate
from pipeline.setting.measurements import MeasuredSplit
from pipeline.base.tables import write_rows

log = logging.getLogger(__name__)  # one line per point: `python -m pipeline run --lines` shows them

COLUMNS = ["epoch", "psnr", "ssim", "images"]
IMAGE_COLUMNS = ["epoch", "image_id", "psnr", "ssim"]


@contextmanager
def untouched(generators: list[torch.Generator], device: torch.device):
    """Restore the global RNGs (the CPU's and, on a GPU, the device's) and ``generators`` to their state on entry."""
    states = [g.get_state() for g in generators]
    numpy_state, python_state = np.random.get_state(), random.getstate()
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            for g, state in zip(generators, states):
                g.set_state(state)
            np.random.set_state(numpy_state)
            random.setstate(python_state)


class LearningCurve:
    """Scores a model on the first ``images`` test images after each of ``epochs``."""

    def __init__(self, physics, test: MeasuredSplit, images: int, epochs: list[int], batch_size: int, device,
                 generators: Callable[[], list[torch.Generator]], label: str = ""):
        n = min(images, len(test))
        self.subset = MeasuredSplit(test.y[:n], test.params_of(slice(0, n)), test.x[:n], test.ids[:n])
        self.physics, self.epochs, self.batch_size, self.device = physics, set(epochs), batch_size, device
        self.generators, self.label, self.started = generators, label, time.perf_counter()
        self.rows: list[dict] = []
        self.image_rows: list[dict] = []
        self.seconds = 0.0

    def after_epoch(self, epoch: int, model: torch.nn.Module) -> None:
        """Record the point of ``epoch`` (1-based) if it is one of the curve's epochs."""
        if epoch not in self.epochs or any(r["epoch"] == epoch for r in self.rows):
            return
        start = time.perf_counter()
        training = model.training
        with untouched(self.generators(), torch.device(self.device)):  # asked at each point: losses may take generators after the curve starts
            rows, _ = evaluate(model, self.physics, self.subset, self.batch_size, self.device, n_gallery=0)
        model.train(training)
        self.rows.append({"epoch": epoch, "psnr": float(np.mean([r["psnr"] for r in rows])),
                          "ssim": float(np.mean([r["ssim"] for r in rows])), "images": len(self.subset)})
        self.image_rows += [{"epoch": epoch, "image_id": r["image_id"], "psnr": r["psnr"], "ssim": r["ssim"]} for r in rows]
        self.seconds += time.perf_counter() - start
        log.info("%s: epoch %d/%d, test PSNR %.2f dB on %d images, %.0f s", self.label, epoch, max(self.epochs),
                 self.rows[-1]["psnr"], len(self.subset), time.perf_counter() - self.started)

    def write(self, folder: Path) -> None:
        """``curve.csv`` (means per epoch) and ``curve_per_image.csv`` in a run folder."""
        write_rows(folder / "curve.csv", self.rows, COLUMNS)
        write_rows(folder / "curve_per_image.csv", self.image_rows, IMAGE_COLUMNS)
