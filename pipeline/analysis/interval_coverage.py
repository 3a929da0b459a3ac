"""How often the benchmark's 95 % interval holds the truth, and what more seeds would buy.

The interval (``pipeline.base.intervals.t_interval``) is a t-interval over the seeds' means.
Whether it covers 95 % is checked by simulation: results are drawn with the variance structure
of the committed tables (``measured``: between seeds, between test images and what is left, by
two-way analysis of variance, for every method of a scenario and every paired difference), each
procedure's interval is computed on them, and the share of intervals that hold the truth is
counted (``coverage``). The truth is the mean over training randomness on the drawn test images:
the benchmark's images are fixed, the seeds are the replicates. The two-level percentile
bootstrap (seeds, then images) that the site used before is simulated beside it.

``projection`` says what 5 or 10 seeds would buy: the expected median half-width and the expected
number of significant pairs (each pair's power, its measured difference taken as the truth), and
their cost from the committed runs' own training seconds. ``benchmarks/interval_coverage.py``
prints both at full size; ``tests/test_intervals.py`` checks the coverage at a smaller one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from pipeline.analysis.ranking import bootstrap_weights
from pipeline.base.intervals import LEVEL

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


def measured(per_image: pd.DataFrame, methods: list[str] | None = None, metric: str = "psnr") -> pd.DataFrame:
    """The variance components of every (scenario, method) with at least two seeds and every image
    in each (``kind`` "means"), and of every paired difference of two of a scenario's methods on
    the seeds and images both have (``kind`` "pairs"), of ``methods`` only if given: columns
    scenario, kind, name, mean, seeds, images and the components (seed, image, residual)."""
    if methods is not None:
        per_image = per_image[per_image.method.isin(methods)]
    rows = []
    for name, scenario in per_image.groupby("scenario", sort=False):
        tables = {m: t.pivot_table(index="seed", columns="image_id", values=metric)
                  for m, t in scenario.groupby("method", sort=False)}
        tables = {m: t for m, t in tables.items() if len(t) >= 2 and not t.isna().any(axis=None)}
        found = [("means", m, t) for m, t in tables.items()]
        methods = sorted(tables)
        for i, a in enumerate(methods):
            for b in methods[i + 1:]:
                diff = (tables[a] - tables[b]).dropna(how="any", axis=1).dropna(how="any", axis=0)
                if len(diff) >= 2 and diff.shape[1] >= 2:
                    found.append(("pairs", f"{a} - {b}", diff))
        rows += [{"scenario": name, "kind": kind, "name": what, "mean": float(t.to_numpy().mean()),
                  "seeds": len(t), "images": t.shape[1], **vars(Components.of(t))} for kind, what, t in found]
    return pd.DataFrame(rows, columns=["scenario", "kind", "name", "mean", "seeds", "images", "seed", "image", "residual"])


def components(table: pd.DataFrame) -> list[Components]:
    """The rows of a ``measured`` table as ``Components``."""
    return [Components(r.seed, r.image, r.residual) for r in table.itertuples()]


def simulate(parts: Components, seeds: int, images: int, draws: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` tables of ``seeds`` x ``images`` scores, normal with these components and mean 0,
    and the truth each interval is meant to hold: the mean over training randomness on the drawn
    test images (the mean of their image effects)."""
    image = rng.normal(0, np.sqrt(parts.image), (draws, 1, images))
    seed = rng.normal(0, np.sqrt(parts.seed), (draws, seeds, 1))
    tables = seed + image + rng.normal(0, np.sqrt(parts.residual), (draws, seeds, images))
    return tables, image.mean(axis=(1, 2))


def covered_by_t(tables: np.ndarray, truth: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Whether the t-interval over seed means of each simulated table holds ``truth`` (the
    computation of ``intervals.t_interval``, on every table at once)."""
    means = tables.mean(axis=2)
    seeds = means.shape[1]
    half = stats.t.ppf(0.5 + level / 2, seeds - 1) * means.std(axis=1, ddof=1) / np.sqrt(seeds)
    centre = means.mean(axis=1)
    return np.abs(centre - truth) <= half


def covered_by_bootstrap(tables: np.ndarray, truth: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Whether the two-level percentile bootstrap (seeds, then images; ``ranking.bootstrap_weights``,
    the site's samples before) of each simulated table holds ``truth``."""
    draws, seeds, images = tables.shape
    weights = bootstrap_weights(np.repeat(np.arange(seeds), images))
    means = (weights @ tables.reshape(draws, -1).T) / weights.sum(axis=1, keepdims=True)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return (low <= truth) & (truth <= high)


PROCEDURES = {"t over seed means": covered_by_t, "two-level bootstrap": covered_by_bootstrap}


def bootstrap_interval(values: np.ndarray, seeds: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The two-level percentile bootstrap interval of the mean (the site's before): to count the
    verdicts it gave beside the t-interval's, on the same results."""
    weights = bootstrap_weights(seeds)
    means = weights @ np.asarray(values, float) / weights.sum(axis=1)
    return tuple(np.quantile(means, [(1 - level) / 2, (1 + level) / 2]))


def coverage(parts: Components, seeds: int, images: int, draws: int, rng: np.random.Generator) -> dict[str, float]:
    """The share of ``draws`` simulated tables whose 95 % interval holds the truth, by procedure."""
    tables, truth = simulate(parts, seeds, images, draws, rng)
    return {name: float(covers(tables, truth).mean()) for name, covers in PROCEDURES.items()}


def expected_half_width(parts: Components, seeds: int, images: int, level: float = LEVEL) -> float:
    """The expected half-width of the t-interval at ``seeds`` seeds: t times the expected standard
    deviation of the seed means (c4 times its truth, for normal draws) over the root of ``seeds``."""
    sd = np.sqrt(parts.seed + parts.residual / images)
    c4 = np.sqrt(2 / (seeds - 1)) * np.exp(special.gammaln(seeds / 2) - special.gammaln((seeds - 1) / 2))
    return float(stats.t.ppf(0.5 + level / 2, seeds - 1) * c4 * sd / np.sqrt(seeds))


def power(difference: float, parts: Components, seeds: int, images: int, level: float = LEVEL) -> float:
    """The chance that the t-interval at ``seeds`` seeds excludes zero when the true paired
    difference is ``difference``: a two-sided noncentral t."""
    sd = np.sqrt(parts.seed + parts.residual / images)
    if sd == 0:
        return float(difference != 0)
    critical = stats.t.ppf(0.5 + level / 2, seeds - 1)
    shift = abs(difference) / (sd / np.sqrt(seeds))  # by symmetry; the far tail underflows (NaN) when tiny
    return float(stats.nct.sf(critical, seeds - 1, shift) + np.nan_to_num(stats.nct.cdf(-critical, seeds - 1, shift)))


def projection(found: pd.DataFrame, runs: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Per scenario and number of seeds: the median expected half-width of the methods' intervals
    and of the pairs', the expected number of significant pairs (the sum of their powers, each
    measured difference taken as the truth), and the training hours the seeds beyond the
    committed ones would take on one core: every method of the scenario's grid, from the committed
    runs' ``train_seconds`` in ``runs``."""
    rows = []
    for scenario, table in found.groupby("scenario", sort=False):
        means, pairs = table[table.kind == "means"], table[table.kind == "pairs"]
        per_seed = runs[runs.scenario == scenario].groupby("method").train_seconds.mean().sum()
        committed = int(runs.seed[runs.scenario == scenario].nunique())
        for n in seeds:
            half = lambda t: float(np.median([expected_half_width(c, n, i) for c, i in zip(components(t), t.images)]))  # noqa: E731
            rows.append({"scenario": scenario, "seeds": n, "pairs": len(pairs),
                         "median_half_width_means": half(means), "median_half_width_pairs": half(pairs),
                         "expected_significant_pairs": float(sum(power(d, c, n, i) for d, c, i in
                                                                 zip(pairs["mean"], components(pairs), pairs.images))),
                         "extra_core_hours": max(n - committed, 0) * per_seed / 3600})
    return pd.DataFrame(rows)
