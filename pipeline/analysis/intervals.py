r"""Confidence intervals over training seeds, and how often each kind covers the truth.

A run's score is a mean over the benchmark's fixed test images; what varies from run to run is
training (its seed draws the masks, the initial weights, the losses' draws and the batches). The
seed is the unit of replication, and there are only a few: three for the committed profiles.

The interval is a *t-interval over the seed means*: with :math:`\bar y_s` the mean over the test
images of seed :math:`s` (for a paired comparison, of the per-image differences), and
:math:`S` seeds,

.. math::

    \bar y \pm t_{S-1,\,0.975}\; \frac{\operatorname{sd}(\bar y_1, \dots, \bar y_S)}{\sqrt S}.

It covers the method's mean over training randomness *on these test images* 95 % of the time
when the seed means are normal, whatever the split between seed and image variance: the image
effects are the same in every seed mean, so they cancel from the spread. It says nothing about
other images, which the embedded data could not speak for anyway (its 54 test slices are one
template brain). With one seed it has no width: there is nothing to replicate.

The two-level percentile bootstrap (seeds, then images) that the site used before covers far
less at three seeds (``coverage``): resampling three values cannot show how far a fourth might
lie. ``coverage`` simulates results with the variance components measured in the committed
tables and counts how often each procedure covers the truth (``benchmarks/interval_coverage.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.base.tables import bootstrap_weights

LEVEL = 0.95


def seed_means(values: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The mean of ``values`` within each seed, in seed order."""
    values, seeds = np.asarray(values, float), np.asarray(seeds)
    return np.array([values[seeds == s].mean() for s in np.unique(seeds)])


def t_interval(values: np.ndarray, seeds: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """The mean of ``values`` (per-image scores or paired differences, each with its training seed)
    and its t-interval over the seed means: (mean, low, high); NaN bounds with one seed."""
    means = seed_means(values, seeds)
    mean = float(means.mean()) if len(means) else float("nan")
    if len(means) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    return mean, float(mean - half), float(mean + half)


@dataclass(frozen=True)
class Components:
    """Variance components of per-image scores (or paired differences) in a seeds x images table,
    from the two-way analysis of variance: between seeds, between images, and what is left (the
    image-by-seed interaction and noise)."""

    seed: float
    image: float
    residual: float

    @classmethod
    def of(cls, table: pd.DataFrame) -> Components:
        """``table``: seeds as rows, test images as columns, every cell filled."""
        y = table.to_numpy(float)
        seeds, images = y.shape
        grand, by_seed, by_image = y.mean(), y.mean(axis=1), y.mean(axis=0)
        ms_seed = images * ((by_seed - grand) ** 2).sum() / (seeds - 1)
        ms_image = seeds * ((by_image - grand) ** 2).sum() / (images - 1)
        residual = y - by_seed[:, None] - by_image[None, :] + grand
        ms_residual = (residual ** 2).sum() / ((seeds - 1) * (images - 1))
        return cls(max((ms_seed - ms_residual) / images, 0.0), max((ms_image - ms_residual) / seeds, 0.0), ms_residual)


def measured_components(per_image: pd.DataFrame, metric: str = "psnr", pairs: bool = False) -> list[Components]:
    """The components of every (scenario, method) with at least two seeds and every image in each,
    or, with ``pairs``, of every paired difference of two methods of a scenario."""
    found = []
    for _, scenario in per_image.groupby("scenario", sort=False):
        tables = {m: t.pivot_table(index="seed", columns="image_id", values=metric)
                  for m, t in scenario.groupby("method", sort=False)}
        tables = {m: t for m, t in tables.items() if len(t) >= 2 and not t.isna().any(axis=None)}
        if not pairs:
            found += [Components.of(t) for t in tables.values()]
            continue
        names = sorted(tables)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                diff = (tables[a] - tables[b]).dropna(how="any", axis=1).dropna(how="any", axis=0)
                if len(diff) >= 2 and diff.shape[1] >= 2:
                    found.append(Components.of(diff))
    return found


def simulate(components: Components, seeds: int, images: int, draws: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` tables of ``seeds`` x ``images`` scores, normal with these components and mean 0,
    and the truth each interval is meant to hold: the mean over training randomness on the drawn
    test images (the mean of their image effects)."""
    image = rng.normal(0, np.sqrt(components.image), (draws, 1, images))
    seed = rng.normal(0, np.sqrt(components.seed), (draws, seeds, 1))
    tables = seed + image + rng.normal(0, np.sqrt(components.residual), (draws, seeds, images))
    return tables, image.mean(axis=(1, 2))


def covered_by_t(tables: np.ndarray, truth: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Whether the t-interval over seed means of each simulated table holds ``truth``."""
    means = tables.mean(axis=2)
    seeds = means.shape[1]
    half = stats.t.ppf(0.5 + level / 2, seeds - 1) * means.std(axis=1, ddof=1) / np.sqrt(seeds)
    centre = means.mean(axis=1)
    return np.abs(centre - truth) <= half


def covered_by_bootstrap(tables: np.ndarray, truth: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Whether the two-level percentile bootstrap (seeds, then images; ``bootstrap_weights``, the
    site's samples before) of each simulated table holds ``truth``."""
    draws, seeds, images = tables.shape
    weights = bootstrap_weights(np.repeat(np.arange(seeds), images))
    means = (weights @ tables.reshape(draws, -1).T) / weights.sum(axis=1, keepdims=True)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return (low <= truth) & (truth <= high)


PROCEDURES = {"t over seed means": covered_by_t, "two-level bootstrap": covered_by_bootstrap}


def coverage(components: Components, seeds: int, images: int, draws: int, rng: np.random.Generator) -> dict[str, float]:
    """The share of ``draws`` simulated tables whose 95 % interval holds the truth, by procedure."""
    tables, truth = simulate(components, seeds, images, draws, rng)
    return {name: float(covers(tables, truth).mean()) for name, covers in PROCEDURES.items()}
