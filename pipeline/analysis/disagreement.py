"""Where our ranking and the paper's disagree, pair by pair, and whether more training could change it.

A *disagreement* is a pair of the paper's methods that the paper separates by at least
``agreement.SEPARATION_DB`` of PSNR and that our mean PSNR per method (over seeds and test
images, as in ``agreement``) puts in the other order. Each one gets the first verdict that fits:

- *diverged here*: every run of the paper's winner diverged;
- *not significant here*: our paired 95 % interval of the difference (a t-interval over the
  seeds) contains zero, so our results do not order the pair at all;
- *not settled by training*: a trained method's learning curve is unsteady, or one is still
  moving towards the paper's order (the paper's winner still rising, or its loser still
  falling), or at half the budget our order was the paper's (the order still changes with
  training);
- *training not checked*: significant, but a curve needed for the checks above is missing (no
  curve, or none scored at half the budget);
- *settled here*: ordered by our CI, both curves steady, and the same order at half the budget.
  More training at this profile's size is then not expected to restore the paper's order: the
  difference lies in what else differs from the paper (image size, data, model width).

The half-budget order is read from the image-by-image curves (``doubling.scores_by_epoch``), on
the test images the curves score. The CIs are per pair, without a correction for the many pairs
of a scenario: a handful of "significant" reversals among some
seventy pairs is expected by chance alone. The verdicts describe; they never change a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analysis.agreement import DIVERGED, SEPARATION_DB, paper_methods, ranked_methods, separated_pairs
from pipeline.analysis.convergence import Convergence
from pipeline.analysis.doubling import means_at, read_curves, scores_by_epoch
from pipeline.base.formats import ci
from pipeline.analysis.leaderboard import Profile, curve_ends
from pipeline.analysis.published import PUBLISHED
from pipeline.analysis.ranking import Samples

SETTLED = "settled here"
BUDGET = "not settled by training"
UNCHECKED = "training not checked"
NOISE = "not significant here"
DIVERGED_HERE = "diverged here"
VERDICTS = {"settled": SETTLED, "budget": BUDGET, "unchecked": UNCHECKED, "noise": NOISE,
            "diverged": DIVERGED_HERE}  # in the order listed


@dataclass(frozen=True)
class Disagreement:
    scenario: str
    winner: str  # the method the paper puts at least SEPARATION_DB higher
    loser: str
    paper_diff: float  # the paper's PSNR(winner) - PSNR(loser), dB, >= SEPARATION_DB
    diff: float  # ours, the same difference, paired over seeds and images; NaN: no rows in common
    low: float  # its 95 % CI
    high: float
    why_unsettled: str = ""  # what says training may still change the order ('' if nothing does)
    curves_checked: bool = True  # whether every curve the training checks need was there
    winner_diverged: bool = False

    @property
    def verdict(self) -> str:
        if self.winner_diverged:
            return DIVERGED_HERE
        if not self.high < 0:
            return NOISE
        if self.why_unsettled:
            return BUDGET
        return SETTLED if self.curves_checked else UNCHECKED

    @property
    def ours(self) -> str:
        """Our paired difference with its CI ("no score" where the winner has none)."""
        return "no score" if math.isnan(self.diff) else f"{self.diff:+.2f} dB {ci((self.low, self.high))}"

    def describe(self) -> str:
        """The pair, the paper's gap, ours with its CI, and the verdict (with why, when training may undo it)."""
        return (f"{self.winner} > {self.loser} in the paper by {self.paper_diff:.2f} dB; here {self.ours}: {self.verdict}"
                + (f" ({self.why_unsettled})" if self.verdict == BUDGET else ""))


def verdict_counts(found: list[Disagreement]) -> str:
    """How many disagreements have each verdict, in the verdicts' order ('' for none)."""
    return ", ".join(f"{n} {v}" for v in VERDICTS.values() if (n := sum(d.verdict == v for d in found)))


def disagreements(profile: Profile, scenario: str, curves: pd.DataFrame | None = None) -> list[Disagreement]:
    """Every disagreement of the scenario, by verdict, the largest reversal first (``curves``:
    ``doubling.read_curves(profile)``, read here when not given)."""
    if scenario not in PUBLISHED:
        return []
    table = paper_methods(profile, scenario).set_index("method")
    ours = table.psnr.fillna(DIVERGED)
    methods = list(table.index)
    samples = Samples.of(profile.per_image[profile.per_image.scenario == scenario], "psnr", methods)
    ends = curve_ends(profile)
    at_half = half_budget_means(profile, scenario, read_curves(profile) if curves is None else curves)
    found = []
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            paper_diff = table.paper_psnr[a] - table.paper_psnr[b]
            winner, loser = (a, b) if paper_diff > 0 else (b, a)
            if abs(paper_diff) < SEPARATION_DB or not ours[winner] < ours[loser]:
                continue
            why, checked = training_checks(profile, scenario, winner, loser, ends, at_half)
            found.append(Disagreement(scenario, winner, loser, abs(paper_diff), *samples.difference(winner, loser),
                                      why, checked, winner_diverged=math.isnan(table.psnr[winner])))
    order = list(VERDICTS.values())
    return sorted(found, key=lambda d: (order.index(d.verdict), d.diff))


def half_budget_means(profile: Profile, scenario: str, curves: pd.DataFrame) -> pd.Series | None:
    """Mean PSNR per method at half the last curve epoch; None where the curves do not score it."""
    scores = scores_by_epoch(profile, curves, scenario)
    if scores.empty:
        return None
    last = int(scores.epoch.max())
    return means_at(scores, last // 2) if last % 2 == 0 and (scores.epoch == last // 2).any() else None


def training_checks(profile: Profile, scenario: str, winner: str, loser: str,
                    ends: dict[tuple[str, str], Convergence], at_half: pd.Series | None) -> tuple[str, bool]:
    """(what says training may still change the pair's order, '' if nothing does; whether every
    curve those checks need was there). Untrained methods (zero-filled) need no curve."""
    reasons, checked = [], True
    for method, towards_paper in ((winner, "still rising"), (loser, "still falling")):
        end = ends.get((scenario, method))
        if end is None:
            known = profile.catalogue.methods.get(method)
            checked &= known is not None and not known.learns
        elif end.state in ("unsteady", towards_paper):
            reasons.append(f"{method} {end.describe()}")
    if at_half is None or not {winner, loser} <= set(at_half.index):
        checked = False
    elif at_half[winner] > at_half[loser]:
        reasons.append(f"in the paper's order at half the budget ({at_half[winner] - at_half[loser]:+.2f} dB)")
    return "; ".join(reasons), checked


def separated_count(profile: Profile, scenario: str) -> int | None:
    """How many pairs the paper separates among the methods both rank (None: nothing to compare)."""
    table = ranked_methods(profile, scenario)
    return None if table is None else separated_pairs(list(table.psnr), list(table.paper_psnr))[0]


def report(profile: Profile, curves: pd.DataFrame | None = None) -> str:
    """The disagreements of every scenario with published numbers, for the terminal (``curves``:
    ``doubling.read_curves(profile)``, read here when not given)."""
    curves = read_curves(profile) if curves is None else curves
    lines = [f"Where profile {profile.name} and the paper disagree (pairs the paper separates by >= "
             f"{SEPARATION_DB:g} dB PSNR, in the other order here; ours paired, with its 95 % CI)"]
    for scenario in profile.scenarios:
        separated = separated_count(profile, scenario)
        if separated is None:
            continue
        found = disagreements(profile, scenario, curves)
        lines.append(f"  {scenario}: {len(found)} of {separated} reversed" + (f" ({verdict_counts(found)})" if found else ""))
        lines += [f"    {d.describe()}" for d in found]
    return "\n".join(lines)
