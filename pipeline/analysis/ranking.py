"""Which differences are real, and how sure each rank is: statistics of all methods of a scenario.

Every method is scored on the same test images with the same training seeds, so a pair of
methods is compared image by image: its paired mean difference, with the benchmark's interval
(``pipeline.base.intervals.t_interval``: a t-interval over the seeds' mean differences). That
interval decides every verdict: significant or not, the ranks, the findings.

The rank distributions follow challengeR (Wiesenfarth et al., Sci Rep 2021): a method's rank in
each of ``SAMPLES`` two-level bootstrap samples (seeds, then test images within each drawn seed),
all methods on the same samples. They show how often the order of the means changes when the
seeds and images are drawn again, not an interval: with three seeds the bootstrap is too narrow
(about 80 % where it claims 95 %, ``pipeline.analysis.interval_coverage``), so no verdict is
drawn from them. Plain numpy, pandas and scipy (no torch), for the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from pipeline.base.intervals import LEVEL, t_interval

SAMPLES = 2000  # bootstrap samples of the rank distributions


@dataclass(frozen=True)
class Samples:
    """One metric of every method on every (seed, test image), and the bootstrap samples of the
    rank distributions."""

    methods: list[str]
    values: np.ndarray  # (rows, methods); NaN where a method has no score (a seed that diverged)
    seeds: np.ndarray  # (rows,): the training seed of each row

    @classmethod
    def of(cls, images: pd.DataFrame, metric: str, methods: list[str]) -> Samples:
        """``images``: per-image scores of one scenario (columns method, seed, image_id, metric)."""
        table = images[images.method.isin(methods)].pivot_table(
            index=["seed", "image_id"], columns="method", values=metric).reindex(columns=methods).sort_index()
        return cls(methods, table.to_numpy(float), table.index.get_level_values("seed").to_numpy())

    @cached_property
    def weights(self) -> np.ndarray:
        """(samples, rows): how often each row is drawn in each bootstrap sample."""
        return bootstrap_weights(self.seeds)

    def means(self) -> np.ndarray:
        """(samples, methods): each method's mean over the rows it has, in each sample."""
        present = ~np.isnan(self.values)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.weights @ np.where(present, self.values, 0)) / (self.weights @ present)

    def difference(self, a: str, b: str) -> tuple[float, float, float]:
        """Paired mean difference ``a - b`` on the rows both have, with its 95 % t-interval over the
        seeds (``intervals.t_interval``): (difference, low, high). A seed one of them lacks (a
        diverged run, one not run yet) takes no part; one seed in common gives NaN bounds."""
        x, y = self.values[:, self.methods.index(a)], self.values[:, self.methods.index(b)]
        both = ~(np.isnan(x) | np.isnan(y))
        if not both.any():
            return (np.nan, np.nan, np.nan)
        return t_interval((x - y)[both], self.seeds[both])


def ranks_in_samples(means: np.ndarray, competitors: np.ndarray) -> np.ndarray:
    """(samples, methods): 1 + how many ``competitors`` (a boolean mask over the methods) have a
    higher mean in that sample. Equal means share a rank; no score (NaN) ranks below every score.
    A method that is not a competitor (a variant) is ranked among the competitors without
    moving them."""
    scored = np.where(np.isnan(means), -np.inf, means)
    above = scored[:, None, competitors] > scored[:, :, None]  # (samples, method, competitor)
    return 1 + above.sum(axis=2)


def rank_distribution(images: pd.DataFrame, methods: list[str], competitors: list[str],
                      self_supervised: list[str], metric: str = "psnr") -> pd.DataFrame:
    """Per method (in ``methods`` order): its rank in each bootstrap sample, summarised.

    Columns: ``mean_rank``, ``median_rank``, ``rank_low``/``rank_high`` (the 95 % interval),
    ``shares`` (rank -> share of the samples), and ``p_best``: the share of samples in which
    it scores at least as high as every one of ``self_supervised`` (the paper's self-supervised
    methods; NaN for a method that is not self-supervised). Ties count as best for both.
    """
    samples = Samples.of(images, metric, methods)
    means = samples.means()
    ranks = ranks_in_samples(means, np.isin(methods, competitors))
    scored = np.where(np.isnan(means), -np.inf, means)
    learners = np.isin(methods, self_supervised)
    rows = []
    for k, method in enumerate(methods):
        r = ranks[:, k]
        values, counts = np.unique(r, return_counts=True)
        others = learners & (np.arange(len(methods)) != k)
        best = (scored[:, k][:, None] >= scored[:, others]).all(axis=1) if others.any() else np.ones(len(r), bool)
        rows.append({
            "method": method, "mean_rank": float(r.mean()), "median_rank": float(np.median(r)),
            "rank_low": int(np.quantile(r, (1 - LEVEL) / 2, method="inverted_cdf")),
            "rank_high": int(np.quantile(r, 1 - (1 - LEVEL) / 2, method="inverted_cdf")),
            "shares": {int(v): float(c / len(r)) for v, c in zip(values, counts)},
            "p_best": float(best.mean()) if method in self_supervised or method not in competitors else np.nan,
        })
    return pd.DataFrame(rows)


def significance(images: pd.DataFrame, methods: list[str], metric: str = "psnr") -> pd.DataFrame:
    """Every ordered pair (row, column) of ``methods``: the paired mean difference row - column
    on the same seeds and test images, its 95 % CI, and whether the CI excludes zero."""
    samples = Samples.of(images, metric, methods)
    pairs = {}
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            diff, low, high = samples.difference(a, b)
            pairs[a, b], pairs[b, a] = (diff, low, high), (-diff, -high, -low)  # the percentiles mirror
    cells = []
    for a in methods:
        for b in methods:
            diff, low, high = pairs.get((a, b), (np.nan, np.nan, np.nan))
            cells.append({"row": a, "column": b, "diff": diff, "low": low, "high": high,
                          "significant": bool(low > 0 or high < 0)})
    return pd.DataFrame(cells)


def relative_ranks(ranks: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Each of the scenario's paper methods' mean bootstrap rank as a share of its field:
    (mean rank - 1) / (field - 1), 0 first and 1 last, so that fields of different sizes compare."""
    scored = table.index[table.psnr.notna()]
    mean = ranks.set_index("method").mean_rank.reindex(scored)
    return (mean - 1) / max(len(scored) - 1, 1)


def relative_rank(method: str, relative: dict[str, pd.Series]) -> float:
    """A method's relative rank averaged over the scenarios it has one in (diverged everywhere:
    after every ranked method)."""
    found = [r[method] for r in relative.values() if method in r.index]
    return float(np.mean(found)) if found else float("inf")


def bootstrap_weights(groups: np.ndarray, samples: int = SAMPLES, seed: int = 0) -> np.ndarray:
    """How many times each value is drawn in each two-level bootstrap sample, ``(samples,
    len(groups))``: the groups (training seeds) drawn with replacement, then, for each drawn
    group, as many of its values (test images) with replacement as it has. The draws depend only
    on ``groups``, so every method of a scenario is ranked on the same samples."""
    return _weights(tuple(np.asarray(groups).tolist()), samples, seed)


@lru_cache(maxsize=8)
def _weights(groups: tuple, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = np.asarray(groups)
    members = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    weights = np.zeros((samples, len(groups)))
    picks = rng.integers(0, len(members), size=(samples, len(members)))
    for position in range(len(members)):
        for k, rows in enumerate(members):
            drawn = np.flatnonzero(picks[:, position] == k)
            if len(drawn):
                chosen = rows[rng.integers(0, len(rows), size=(len(drawn), len(rows)))]
                np.add.at(weights, (drawn[:, None], chosen), 1)
    weights.setflags(write=False)  # shared by every caller with these groups
    return weights
