"""Had a method converged when training stopped? Read from its learning curves, for readers.

Each run's curve is the test PSNR at a few epochs (``pipeline.curves``). Two numbers per curve:

- the *last step*: PSNR at the last point minus PSNR at the point before it;
- the *largest late step*: the largest |change| between consecutive points in the second half
  of training.

Averaged over seeds, a method is *unsteady* if its largest late step is at least
``UNSTEADY_DB`` (its final score is partly where the swing happened to stop), else *still
rising* or *still falling* if its last step is at least ``MOVING_DB`` either way, else *flat*.
The thresholds are fixed for every profile and stated with each result; the verdict explains a
leaderboard, it never changes one (no checkpoint is picked from a curve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MOVING_DB = 0.2
UNSTEADY_DB = 1.0
RULE_TEXT = (f"unsteady: a step of ≥ {UNSTEADY_DB} dB between curve points in the second half of training; "
             f"still rising or falling: the last step is ≥ {MOVING_DB} dB either way; flat otherwise "
             f"(means over seeds)")


@dataclass(frozen=True)
class Convergence:
    last_step: float  # dB, mean over seeds
    late_step: float  # dB, mean over seeds of the largest |step| in the second half

    @property
    def state(self) -> str:
        if self.late_step >= UNSTEADY_DB:
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
        return {"flat": "→", "rising": "↗", "falling": "↘", "unsteady": "↯"}[self.short]

    def describe(self) -> str:
        if self.state == "unsteady":
            return f"unsteady (steps up to {self.late_step:.1f} dB late in training)"
        return f"{self.state} ({self.last_step:+.2f} dB over the last interval)"


def curve_steps(curve: pd.DataFrame) -> tuple[float, float] | None:
    """(last step, largest late step) of one run's curve; None with fewer than two points."""
    curve = curve.dropna(subset=["psnr"]).sort_values("epoch")  # a diverged point has no PSNR
    psnr, epochs = curve.psnr.to_numpy(), curve.epoch.to_numpy()
    if len(psnr) < 2:
        return None
    late = psnr[epochs >= epochs[-1] / 2]
    late_step = float(np.abs(np.diff(late)).max()) if len(late) > 1 else abs(float(psnr[-1] - psnr[-2]))
    return float(psnr[-1] - psnr[-2]), late_step


def convergence(curves: pd.DataFrame | None) -> dict[tuple[str, str], Convergence]:
    """Each (scenario, method) with a curve of at least two points: how it ended."""
    if curves is None:
        return {}
    steps: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (scenario, method, _), curve in curves.groupby(["scenario", "method", "seed"], sort=False):
        if (measured := curve_steps(curve)) is not None:
            steps.setdefault((scenario, method), []).append(measured)
    return {key: Convergence(*map(float, np.mean(values, axis=0))) for key, values in steps.items()}
