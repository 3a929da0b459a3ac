"""The doubling test: has the training budget stopped moving the ranking?

A budget of B epochs is enough when training for 2B does not change the ranking of the paper's
methods: Kendall's τ-b between the two rankings (mean PSNR over seeds and test images) is at
least ``TAU_ENOUGH``, and no pair of methods that 2B orders with a paired 95 % interval
excluding zero (``intervals.t_interval`` over the seeds) is in the other order at B. The test compares budgets, not
curve slopes: a curve that looks flat proves nothing (a decaying learning rate flattens every
curve by construction), a ranking that survives doubling does.

It reads the learning curves image by image (``curves_per_image.csv``): scored on every test
image, the point at epoch B of a run is exactly the final evaluation of that run stopped at B,
so one run at the largest budget gives every (B, 2B) comparison. Methods without training
(zero-filled) score the same at every budget. Both rankings are taken on the seeds every method
has (a partial grid's extra seeds are left out), so means and paired differences agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.analysis.agreement import DIVERGED, MIN_RANKED, kendall_tau_b
from pipeline.analysis.gridtime import hours_per_seed
from pipeline.analysis.leaderboard import Profile
from pipeline.analysis.published import PUBLISHED
from pipeline.analysis import gate
from pipeline.base.intervals import t_interval
from pipeline.base.tables import CURVE_IMAGE_COLUMNS

TAU_ENOUGH = 0.9
FILE = "curves_per_image.csv"


@dataclass(frozen=True)
class Doubling:
    scenario: str
    budget: int  # B, epochs
    tau: float  # Kendall's τ-b between the rankings at B and 2B
    significant: int  # pairs ordered at 2B with a paired CI excluding zero
    reversed: list[tuple[str, str]]  # of those, the pairs in the other order at B (winner at 2B first)
    discordant: int  # all pairs whose mean PSNR is in the other order at B, separated at 2B or not: what τ counts
    n_methods: int
    images: int  # test images per seed that the curve points score (the profile's curve_images)
    hours_per_seed: float = float("nan")  # training time of a seed of the scenario at 2B (see training_hours)

    @property
    def enough(self) -> bool:
        return self.tau >= TAU_ENOUGH and not self.reversed

    @property
    def tied(self) -> int:
        """Pairs in the other order at B that 2B does not separate (its paired CI contains zero)."""
        return self.discordant - len(self.reversed)


def read_curves(profile: Profile) -> pd.DataFrame:
    """The profile's learning curves image by image (empty without any)."""
    path = Path(profile.folder) / FILE
    return gate.read_table(path, CURVE_IMAGE_COLUMNS)[CURVE_IMAGE_COLUMNS] if path.exists() else pd.DataFrame(columns=CURVE_IMAGE_COLUMNS)


def scores_by_epoch(profile: Profile, curves: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """PSNR per (epoch, method, seed, image_id) of the paper's methods in ``scenario`` (it has no
    variants); methods that do not learn (zero-filled) repeated at every epoch from their final
    scores on the same images. A learning method without a curve takes no part."""
    paper = set(PUBLISHED.get(scenario, {}))
    untrained = {name for name, m in profile.catalogue.methods.items() if not m.learns} & paper
    curves = curves[(curves.scenario == scenario) & curves.method.isin(paper)]
    epochs = sorted(curves.epoch.unique())
    finals = profile.per_image[(profile.per_image.scenario == scenario) & profile.per_image.method.isin(untrained)
                               & profile.per_image.image_id.isin(set(curves.image_id))]  # the images the curves score
    untrained = [finals.assign(epoch=e) for e in epochs] if len(finals) else []
    columns = ["epoch", "method", "seed", "image_id", "psnr"]
    return pd.concat([curves[columns], *[u[columns] for u in untrained]], ignore_index=True)


def doubling(profile: Profile, scenario: str, curves: pd.DataFrame | None = None) -> list[Doubling]:
    """One row per budget B whose double 2B was also scored, smallest B first (``curves``:
    ``read_curves(profile)``, read here when not given)."""
    scores = scores_by_epoch(profile, read_curves(profile) if curves is None else curves, scenario)
    if scores.method.nunique() < MIN_RANKED:  # fewer methods with curves than a ranking needs
        return []
    epochs = set(scores.epoch.unique())
    return [replace(compare(scores, scenario, int(b)), hours_per_seed=training_hours(profile, scenario, 2 * int(b)))
            for b in sorted(epochs) if 2 * b in epochs]


def training_hours(profile: Profile, scenario: str, epochs: int) -> float:
    """Run-hours of training one seed of the scenario's methods (all of them, variants included)
    for ``epochs``: each finished run's training seconds scaled by ``epochs`` over the epochs it
    trained (training time grows in proportion to the epochs; the curve points, scored every few
    epochs, cost about 3 % more), each method's mean over its seeds summed over the methods
    (``gridtime.hours_per_seed``; the grid's wall time is ``gridtime.report``'s)."""
    runs = profile.runs[(profile.runs.scenario == scenario) & (profile.runs.status == "ok") & (profile.runs.epochs > 0)]
    return hours_per_seed(runs.train_seconds * epochs / runs.epochs, runs.method)


def means_at(scores: pd.DataFrame, epoch: int) -> pd.Series:
    """Mean PSNR per method at one curve epoch (a diverged method with ``DIVERGED``: it ranks last)."""
    return scores[scores.epoch == epoch].groupby("method").psnr.mean().fillna(DIVERGED)


def matched_seeds(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows of the seeds that every method has. Mid-grid, a method's mean over three seeds
    against another's over two would rank the seeds as much as the methods, and could order a pair
    against its paired difference (which pairs only the rows both have); a complete grid keeps
    every row."""
    seeds = [set(s) for _, s in scores.groupby("method").seed]
    return scores[scores.seed.isin(set.intersection(*seeds))] if seeds else scores


def compare(scores: pd.DataFrame, scenario: str, budget: int) -> Doubling:
    """The doubling test of ``budget`` against twice it, on the seeds every method has."""
    scores = matched_seeds(scores)
    at = {e: scores[scores.epoch == e] for e in (budget, 2 * budget)}
    means = {e: means_at(scores, e) for e in at}
    methods = sorted(set(means[budget].index) & set(means[2 * budget].index))
    tau = kendall_tau_b([means[budget][m] for m in methods], [means[2 * budget][m] for m in methods])
    significant, reversed_pairs, discordant = 0, [], 0
    images = {e: table.set_index(["method", "seed", "image_id"]).psnr for e, table in at.items()}
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            discordant += (means[budget][a] - means[budget][b]) * (means[2 * budget][a] - means[2 * budget][b]) < 0
            diff = paired(images[2 * budget], a, b)
            if diff.empty:
                continue
            _, low, high = t_interval(diff.to_numpy(), diff.index.get_level_values("seed").to_numpy())
            if not (low > 0 or high < 0):  # contains zero, or one seed: no interval
                continue
            significant += 1
            winner, loser = (a, b) if diff.mean() > 0 else (b, a)
            if means[budget][winner] < means[budget][loser]:
                reversed_pairs.append((winner, loser))
    return Doubling(scenario, budget, tau, significant, reversed_pairs, int(discordant), len(methods),
                    int(at[budget].image_id.nunique()))


def paired(psnr: pd.Series, a: str, b: str) -> pd.Series:
    """PSNR of ``a`` minus ``b`` on the same (seed, image), indexed by (seed, image_id)."""
    return (psnr.xs(a, level="method") - psnr.xs(b, level="method")).dropna()


def budget_unit(profile: Profile) -> tuple[int, str]:
    """How a budget of epochs is shown: (optimiser steps per epoch, "steps") where the profile's
    epoch is known in steps, else (1, "epochs")."""
    per_epoch = profile.epoch_steps
    return (per_epoch, "steps") if per_epoch else (1, "epochs")


def report(profile: Profile, curves: pd.DataFrame | None = None) -> str:
    """The doubling table of every scenario whose curves reach a doubled budget, for the terminal
    (``curves``: ``read_curves(profile)``, read here when not given)."""
    lines, curves = [], read_curves(profile) if curves is None else curves
    per_epoch, unit = budget_unit(profile)
    for scenario in profile.scenarios:
        rows = doubling(profile, scenario, curves)
        if not rows:
            continue
        if not lines:
            lines.append(f"Doubling test, profile {profile.name}: B is enough when tau(B, 2B) >= {TAU_ENOUGH} and no "
                         "pair ordered at 2B with a paired 95 % CI excluding zero is reversed at B")
        for r in rows:
            flips = ", ".join(f"{w} > {l}" for w, l in r.reversed) or "none"
            lines.append(f"  {scenario:<10} B {r.budget * per_epoch:>5} -> {2 * r.budget * per_epoch:>5} {unit}  tau {r.tau:+.2f}  "
                         f"significant pairs at 2B {r.significant:>3}  reversed at B {len(r.reversed)} ({flips})  "
                         f"{'enough' if r.enough else 'NOT enough'}  (n = {r.n_methods}; pairs in the other order at B "
                         f"{r.discordant}, {r.tied} of them tied at 2B; training at 2B {r.hours_per_seed:.1f} run-hours "
                         "per seed)")
    return "\n".join(lines)
