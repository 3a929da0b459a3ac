"""Where our ranking and the paper's disagree, pair by pair, and whether more training could change it.

A *disagreement* is a pair of the paper's methods that the paper separates by at least
``agreement.SEPARATION_DB`` of PSNR and that our mean PSNR (over seeds and test images) puts in
the other order. Each one gets one of three verdicts, decided in this order:

- *not significant here*: our paired 95 % CI of the difference (seeds, then images) contains
  zero, so our results do not order the pair at all;
- *not settled by training*: either learning curve is unsteady, or one is still moving towards
  the paper's order (the paper's winner still rising, or its loser still falling), or at half the
  budget our order was still the paper's (read from the image-by-image curves, as the doubling
  test does);
- *settled here*: ordered by our CI, both curves steady, and the same order at half the budget.
  More training at this profile's size is then not expected to restore the paper's order: the
  difference lies in what else differs from the paper (image size, data, model width).

A paper's winner whose every run diverged here is a disagreement too (*diverged here*).

The verdict explains a disagreement; it never changes a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.agreement import SEPARATION_DB, paper_methods, separated_pairs
from pipeline.convergence import Convergence, convergence
from pipeline.doubling import read_curves, scores_by_epoch
from pipeline.leaderboard import Profile
from pipeline.published import PUBLISHED
from pipeline.ranking import Samples

DIVERGED = "diverged here"
NOISE = "not significant here"
BUDGET = "not settled by training"
SETTLED = "settled here"
VERDICTS = {"settled": SETTLED, "budget": BUDGET, "noise": NOISE, "diverged": DIVERGED}  # in the order listed


@dataclass(frozen=True)
class Disagreement:
    scenario: str
    winner: str  # the method the paper puts at least SEPARATION_DB higher
    loser: str
    paper_diff: float  # the paper's PSNR(winner) - PSNR(loser), dB, >= SEPARATION_DB
    diff: float  # ours, the same difference, < 0; mean over seeds and images; NaN: the winner diverged
    low: float  # its paired 95 % CI
    high: float
    why_unsettled: str = ""  # for a significant reversal that training may still undo: what says so

    @property
    def verdict(self) -> str:
        if math.isnan(self.diff):
            return DIVERGED
        if not self.high < 0:
            return NOISE
        return BUDGET if self.why_unsettled else SETTLED


def disagreements(profile: Profile, scenario: str, curves: pd.DataFrame | None = None) -> list[Disagreement]:
    """Every disagreement of the scenario, the largest reversal first (``curves``:
    ``doubling.read_curves(profile)``, read here when not given)."""
    if scenario not in PUBLISHED:
        return []
    table = paper_methods(profile, scenario).set_index("method")
    methods = list(table.index)
    images = profile.per_image[profile.per_image.scenario == scenario]
    samples = Samples.of(images, "psnr", methods)
    ends = convergence(profile.curves)
    at_half = means_at_half_budget(profile, scenario, read_curves(profile) if curves is None else curves)
    found = []
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            paper_diff = table.paper_psnr[a] - table.paper_psnr[b]
            if abs(paper_diff) < SEPARATION_DB:
                continue
            winner, loser = (a, b) if paper_diff > 0 else (b, a)
            diff, low, high = samples.difference(winner, loser)
            if not (diff < 0 or math.isnan(table.psnr[winner])):  # ours in the paper's order, or its loser diverged
                continue
            found.append(Disagreement(scenario, winner, loser, abs(paper_diff), diff, low, high,
                                      unsettled(scenario, winner, loser, ends, at_half)))
    return sorted(found, key=lambda d: (list(VERDICTS.values()).index(d.verdict), d.diff))


def means_at_half_budget(profile: Profile, scenario: str, curves: pd.DataFrame) -> pd.Series | None:
    """Mean PSNR per method at half the last curve epoch, over the curves' images; None where the
    curves do not score that epoch."""
    scores = scores_by_epoch(profile, curves, scenario)
    if scores.empty:
        return None
    last = int(scores.epoch.max())
    half = scores[scores.epoch == last // 2]
    return half.groupby("method").psnr.mean() if last % 2 == 0 and not half.empty else None


def unsettled(scenario: str, winner: str, loser: str, ends: dict[tuple[str, str], Convergence],
              at_half: pd.Series | None) -> str:
    """What says more training could restore the paper's order ('' when nothing does)."""
    reasons = []
    for method, towards_paper in ((winner, "still rising"), (loser, "still falling")):
        end = ends.get((scenario, method))
        if end is not None and end.state in ("unsteady", towards_paper):
            reasons.append(f"{method} {end.describe()}")
    if at_half is not None and {winner, loser} <= set(at_half.index) and at_half[winner] > at_half[loser]:
        reasons.append(f"in the paper's order at half the budget ({at_half[winner] - at_half[loser]:+.2f} dB)")
    return "; ".join(reasons)


def report(profile: Profile) -> str:
    """The disagreements of every scenario with published numbers, for the terminal."""
    curves = read_curves(profile)
    lines = [f"Where profile {profile.name} and the paper disagree (pairs the paper separates by >= "
             f"{SEPARATION_DB:g} dB PSNR, in the other order here; ours with its paired 95 % CI)"]
    for scenario in profile.scenarios:
        if scenario not in PUBLISHED:
            continue
        found = disagreements(profile, scenario, curves)
        table = paper_methods(profile, scenario)
        separated, _ = separated_pairs(list(table.psnr), list(table.paper_psnr))
        counts = ", ".join(f"{n} {v}" for v in VERDICTS.values() if (n := sum(d.verdict == v for d in found)))
        lines.append(f"  {scenario}: {len(found)} of {separated} reversed" + (f" ({counts})" if found else ""))
        for d in found:
            lines.append(f"    {d.winner} > {d.loser} in the paper by {d.paper_diff:.2f} dB; here "
                         f"{d.diff:+.2f} dB [{d.low:+.2f}, {d.high:+.2f}]: {d.verdict}"
                         + (f" ({d.why_unsettled})" if d.verdict == BUDGET else ""))
    return "\n".join(lines)
