"""Had a method converged when training stopped? Read from its learning curves, for readers.

Each run's curve is the test PSNR at a few epochs (``pipeline.run.curves``). Three numbers per curve:

- the *last step*: PSNR at the last point minus PSNR at the point before it;
- the *largest late step*: the largest |change| between consecutive points in the second half
  of training;
- the *second-half change*: PSNR at the last point minus PSNR at the first point of the second
  half. It decides nothing; it is shown beside the verdict, so that a slow drift whose every step
  is below the thresholds (a *flat* curve that lost 0.6 dB over its second half) is seen.

Averaged over seeds, a method is *unsteady* if its largest late step is at least
``UNSTEADY_DB`` (its final score is partly where the swing happened to stop), else *still
rising* or *still falling* if its last step is at least ``MOVING_DB`` either way, else *flat*.
A method with a collapsed run (``pipeline.analysis.collapse``) is *collapsed*, whatever its other seeds did.
A method with a seed whose run diverged is *unsteady* too, whatever its curve did before the
loss became non-finite (the curve stops there and would otherwise read as flat).
The thresholds are fixed for every profile and stated with each result; the verdict explains a
leaderboard, it never changes one (no checkpoint is picked from a curve).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analysis.collapse import RULE_TEXT as COLLAPSE_RULE, Collapse, collapses

MOVING_DB = 0.2
UNSTEADY_DB = 1.0
RULE_TEXT = (f"{COLLAPSE_RULE}; unsteady: a step of ≥ {UNSTEADY_DB} dB between curve points in the second half of training; "
             f"still rising or falling: the last step is ≥ {MOVING_DB} dB either way; flat otherwise "
             f"(means over seeds)")


@dataclass(frozen=True)
class Convergence:
    last_step: float  # dB, mean over seeds
    late_step: float  # dB, mean over seeds of the largest |step| in the second half
    half_change: float  # dB, mean over seeds of the change over the second half (shown, never judged)
    diverged: int = 0  # seeds whose run diverged (their curve stops where the loss became non-finite)
    seeds: int = 0
    collapsed: tuple[Collapse, ...] = ()  # its collapsed runs

    @property
    def state(self) -> str:
        if self.collapsed:
            return "collapsed"
        if self.diverged or self.late_step >= UNSTEADY_DB:
            return "unsteady"
        if abs(self.last_step) >= MOVING_DB:
            return "still rising" if self.last_step > 0 else "still falling"
        return "flat"

    @property
    def short(self) -> str:
        """The state in one word, for a table cell (``describe`` has the numbers)."""
        return self.state.removeprefix("still ")

    @property
    def symbol(self) -> str:
        return {"flat": "→", "rising": "↗", "falling": "↘", "unsteady": "↯", "collapsed": "✕"}[self.short]

    def describe(self) -> str:
        if self.collapsed:
            return (f"collapsed in {len(self.collapsed)} of {self.seeds} seeds: "
                    + "; ".join(c.describe() for c in self.collapsed))
        if self.diverged:
            return f"unsteady (diverged in {self.diverged} of {self.seeds} seeds)"
        if self.state == "unsteady":
            return f"unsteady (steps up to {self.late_step:.1f} dB late in training)"
        return f"{self.state} ({self.last_step:+.2f} dB over the last interval, {self.half_change:+.2f} dB over the second half)"


def curve_steps(curve: pd.DataFrame) -> tuple[float, float, float] | None:
    """(last step, largest late step, second-half change) of one run's curve; None with fewer
    than two points."""
    curve = curve.dropna(subset=["psnr"]).sort_values("epoch")  # a diverged point has no PSNR
    psnr, epochs = curve.psnr.to_numpy(), curve.epoch.to_numpy()
    if len(psnr) < 2:
        return None
    late = psnr[epochs >= epochs[-1] / 2]
    late_step = float(np.abs(np.diff(late)).max()) if len(late) > 1 else abs(float(psnr[-1] - psnr[-2]))
    half_change = float(late[-1] - late[0]) if len(late) > 1 else float(psnr[-1] - psnr[-2])
    return float(psnr[-1] - psnr[-2]), late_step, half_change


def convergence(curves: pd.DataFrame | None, runs: pd.DataFrame | None = None,
                per_image: pd.DataFrame | None = None) -> dict[tuple[str, str], Convergence]:
    """Each (scenario, method) with a curve of at least two points, or a curve of a run that
    diverged: how it ended (``runs``: the runs table, whose ``status`` says which seeds diverged;
    with ``per_image`` too, which runs collapsed)."""
    if curves is None:
        return {}
    collapsed = collapses(curves, per_image, runs) if runs is not None and per_image is not None else {}
    failed = set() if runs is None else set(runs.loc[runs.status == "diverged", ["scenario", "method", "seed"]]
                                             .itertuples(index=False, name=None))
    steps: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    diverged: dict[tuple[str, str], int] = {}
    for (scenario, method, seed), curve in curves.groupby(["scenario", "method", "seed"], sort=False):
        measured = curve_steps(curve)
        if (scenario, method, seed) in failed:
            diverged[(scenario, method)] = diverged.get((scenario, method), 0) + 1
            measured = measured or (math.nan, math.nan, math.nan)
        if measured is not None:
            steps.setdefault((scenario, method), []).append(measured)
    return {key: Convergence(*mean_steps(values), diverged=diverged.get(key, 0), seeds=len(values),
                             collapsed=tuple(collapsed.get(key, ())))
            for key, values in steps.items()}


def mean_steps(values: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The three numbers averaged over the seeds that have them (NaN if none has)."""
    finite = [v for v in values if not math.isnan(v[0])]
    return tuple(map(float, np.mean(finite, axis=0))) if finite else (math.nan, math.nan, math.nan)
