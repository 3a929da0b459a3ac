r"""The one confidence interval of the benchmark: a t-interval over the training seeds.

A run's score is a mean over the benchmark's fixed test images; what varies from run to run is
training (its seed draws the masks, the initial weights, the losses' draws and the batches). The
seed is the unit of replication, and there are only a few: three in the committed profiles.
With :math:`\bar y_s` the mean over the test images of seed :math:`s` (for a paired comparison,
of the per-image differences) and :math:`S` seeds,

.. math::

    \bar y \pm t_{S-1,\,0.975}\; \frac{\operatorname{sd}(\bar y_1, \dots, \bar y_S)}{\sqrt S}.

It covers the mean over training randomness *on these test images* 95 % of the time when the
seed means are normal, whatever the split between seed and image variance: an image's effect is
the same in every seed mean, so it cancels from their spread. It says nothing about other
images, which the embedded data could not speak for anyway (its test slices are one template
brain). One seed gives no interval: there is nothing to replicate.

The percentile bootstrap the site used before (seeds, then images) covers about four times in
five at three seeds: resampling three values cannot show how far a fourth might lie. Measured
by simulation with the committed tables' variance components (``pipeline.analysis.interval_coverage``,
``benchmarks/interval_coverage.py``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

LEVEL = 0.95
NO_INTERVAL = (float("nan"), float("nan"))
SENTENCE = ("Every 95 % interval here is a t-interval over the training seeds' means: it holds the mean over "
            "training randomness on these test images 95 % of the time (checked by simulation), and one seed gives none.")


def seed_means(values: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The mean of ``values`` within each seed, in seed order."""
    values, seeds = np.asarray(values, float), np.asarray(seeds)
    return np.array([values[seeds == s].mean() for s in np.unique(seeds)])


def t_interval(values: np.ndarray, seeds: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """The mean of ``values`` (per-image scores or paired differences, each with its training seed)
    and its t-interval over the seed means: (mean, low, high). The mean weighs every seed alike;
    with one seed the bounds are NaN."""
    means = seed_means(values, seeds)
    mean = float(means.mean()) if len(means) else float("nan")
    if len(means) < 2:
        return (mean, *NO_INTERVAL)
    half = stats.t.ppf(0.5 + level / 2, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    return mean, float(mean - half), float(mean + half)


def welch_interval(a: np.ndarray, seeds_a: np.ndarray, b: np.ndarray, seeds_b: np.ndarray,
                   level: float = LEVEL) -> tuple[float, float, float]:
    """The difference of means ``b - a`` of two sets of runs that share no test images (two
    settings scored on different images), with Welch's interval over each side's seed means:
    (difference, low, high). NaN bounds unless each side has two seeds."""
    means_a, means_b = seed_means(a, seeds_a), seed_means(b, seeds_b)
    if not len(means_a) or not len(means_b):
        return (float("nan"), *NO_INTERVAL)
    diff = float(means_b.mean() - means_a.mean())
    if len(means_a) < 2 or len(means_b) < 2:
        return (diff, *NO_INTERVAL)
    va, vb = means_a.var(ddof=1) / len(means_a), means_b.var(ddof=1) / len(means_b)
    if va + vb == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va ** 2 / (len(means_a) - 1) + vb ** 2 / (len(means_b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(va + vb)
    return diff, float(diff - half), float(diff + half)
