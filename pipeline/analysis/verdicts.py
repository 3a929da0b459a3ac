"""A profile's verdicts against the paper, computed once for everything that shows them (the
site's home and scenario pages): Kendall's τ with the paper's ranking, and per scenario the
doubling test of the budget and the pairs ordered unlike the paper. The learning curves they
need are read image by image once per profile."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.analysis import agreement, disagreement, doubling
from pipeline.analysis.leaderboard import Profile


@dataclass(frozen=True)
class Verdicts:
    taus: list[agreement.Agreement]
    budgets: dict[str, list[doubling.Doubling]]  # scenario -> the doubling test of each budget
    reversed_pairs: dict[str, list[disagreement.Disagreement]]  # scenario -> pairs ordered unlike the paper


def verdicts(p: Profile) -> Verdicts:
    curves = doubling.read_curves(p)
    return Verdicts(agreement.agreement(p), {s: doubling.doubling(p, s, curves) for s in p.scenarios},
                    {s: disagreement.disagreements(p, s, curves) for s in p.scenarios})
