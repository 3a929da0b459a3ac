"""Collapsed runs: a network that stopped learning is named, never hidden behind a plausible score.

A run is *collapsed* when

- its learning curve stays constant (every point within ``FLAT_DB`` of the stretch's first) for
  ``POINTS`` or more consecutive points while its training loss still changes over the epochs
  trained between them (a point's loss is its epoch's mean, so the stretch's first point's is
  not among them) by more than ``LOSS_CHANGE`` of the largest loss on the run's curve: the loss
  moves the weights, the output no longer moves. A loss that has converged, such as MC's once A f(y) = y, still shrinks by
  large factors of its own tiny size (1e-6 to 1e-8); measured against the run's own scale it
  is still, and the run is converged, not collapsed; or
- its output equals the zero-filled image's score on every test image (within ``SAME_DB``): the
  network gives nothing back, or what it gives is erased by the final step.

The collapse is dated by the curve point where the stretch began (for the second kind, where the
curve reached zero-filled's score for good), in epochs and in optimiser steps. Read from the
tables only (``curves.csv`` with its ``loss`` column, ``per_image.csv``, ``runs.csv``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.setting.profiles import PROFILES

FLAT_DB = 0.01
POINTS = 3
LOSS_CHANGE = 0.01
SAME_DB = 1e-3
ZERO_LOSS = 1e-10
RULE_TEXT = (f"collapsed: the test PSNR constant to {FLAT_DB} dB for {POINTS} or more curve points while the "
             f"training loss of the epochs between them changes by more than {LOSS_CHANGE:.0%} of its largest value "
             "on the curve, or the output's PSNR equal to zero-filled's "
             f"on every test image (to {SAME_DB} dB)")


@dataclass(frozen=True)
class Collapse:
    seed: int
    epoch: int  # the curve point where it began
    step: int | None  # the same point in optimiser steps (None where the profile's batches are unknown)
    how: str  # "flat" or "zero-filled"

    def describe(self) -> str:
        when = f"epoch {self.epoch}" + (f", step {self.step:,}" if self.step is not None else "")
        what = ("test PSNR constant while the loss changes" if self.how == "flat"
                else "output scores as zero-filled on every test image")
        return f"seed {self.seed} from {when} ({what})"


def flat_start(curve: pd.DataFrame) -> int | None:
    """The epoch where the curve's first flat stretch with a changing loss began, if any. A stretch
    runs from a point as far as the curve stays within ``FLAT_DB`` of it; a point's loss is the
    mean over the epoch that ends there, so the epochs the stretch trained are its points after
    the first."""
    curve = curve.dropna(subset=["psnr"]).sort_values("epoch")
    psnr, epochs = curve.psnr.to_numpy(), curve.epoch.to_numpy()
    loss = curve["loss"].to_numpy() if "loss" in curve else [math.nan] * len(psnr)
    scale = max((abs(v) for v in loss if math.isfinite(v)), default=math.nan)
    for start in range(len(psnr) - POINTS + 1):
        end = start + 1
        while end < len(psnr) and abs(psnr[end] - psnr[start]) <= FLAT_DB:
            end += 1
        if end - start >= POINTS and loss_changes(loss[start + 1:end], scale):
            return int(epochs[start])
    return None


def loss_changes(loss, scale: float) -> bool:
    """Whether the loss over a stretch moves by more than ``LOSS_CHANGE`` of ``scale``, the run's
    largest finite loss on its curve. Fewer than two finite values: unknown, never a collapse."""
    values = [v for v in loss if math.isfinite(v)]
    if len(values) < 2:
        return False
    # a loss at rounding level is zero, not changing: a term with no gradient (``pipeline.run.liveterms``)
    return scale > ZERO_LOSS and (max(values) - min(values)) > LOSS_CHANGE * scale


def zero_filled_start(curve: pd.DataFrame, floor: pd.DataFrame, images: pd.DataFrame) -> int | None:
    """The epoch from which the curve stays at zero-filled's score, if the final output equals it."""
    both = images.merge(floor, on="image_id", suffixes=("", "_zf"))
    if both.empty or len(both) != len(images) or (both.psnr - both.psnr_zf).abs().max() > SAME_DB:
        return None
    curve = curve.dropna(subset=["psnr"]).sort_values("epoch")
    epoch = int(curve.epoch.iloc[-1]) if len(curve) else 0
    for row in reversed(list(curve.itertuples())):
        scored = floor[floor.image_id.isin(both.image_id.head(int(row.images)))].psnr.mean()
        if abs(row.psnr - scored) > FLAT_DB:
            break
        epoch = int(row.epoch)
    return epoch


def steps_per_epoch(profile: str, n_train: float) -> int | None:
    """Optimiser steps in one epoch of a run of ``profile`` (None for a profile this version does not define)."""
    known = PROFILES.get(profile)
    return known.epoch_steps(n_train) if known else None


def collapses(curves: pd.DataFrame | None, per_image: pd.DataFrame, runs: pd.DataFrame) -> dict[tuple[str, str], list[Collapse]]:
    """Every collapsed run, by (scenario, method)."""
    found: dict[tuple[str, str], list[Collapse]] = {}
    if curves is None:
        return found
    keys = ["scenario", "method", "seed"]
    by_run = {k: g for k, g in per_image.groupby(keys)}
    info = runs.set_index(keys)
    for (scenario, method, seed), curve in curves.groupby(keys, sort=False):
        if method == "zero-filled" or (scenario, method, seed) not in info.index:
            continue
        floor = by_run.get((scenario, "zero-filled", seed))
        own = by_run.get((scenario, method, seed))
        own = own.sort_values("image") if own is not None else None  # the curve scores the first test images
        zero = zero_filled_start(curve, floor[["image_id", "psnr"]], own[["image_id", "psnr"]]) \
            if floor is not None and own is not None else None
        epoch, how = (zero, "zero-filled") if zero is not None else (flat_start(curve), "flat")
        if epoch is None:
            continue
        run = info.loc[(scenario, method, seed)]
        per_epoch = steps_per_epoch(str(run["profile"]), float(run["n_train"]))
        found.setdefault((scenario, method), []).append(
            Collapse(int(seed), epoch, epoch * per_epoch if per_epoch else None, how))
    return found
