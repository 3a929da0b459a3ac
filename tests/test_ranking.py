"""Rank distributions, the significance map and the Data page, checked against numbers worked out
by hand on a tiny results folder written here (no training): three methods, two seeds, one test
image per seed, so that the rank bootstrap has four equally simple outcomes and the t-interval
over two seeds a closed form."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.base import tables
from pipeline.base.intervals import t_interval
from pipeline.analysis.ranking import Samples, rank_distribution, ranks_in_samples, significance
from pipeline.render import build_site
from pipeline.base.tables import PER_IMAGE_COLUMNS, RUN_COLUMNS, SUMMARY_COLUMNS, summarise, to_csv

# ei beats mc by 1 dB on seed 0 and loses by 3 dB on seed 1; zero-filled is 2 dB below ei on both.
# Drawing two seeds with replacement: (0, 0) with probability 1/4 puts ei first; (0, 1), (1, 0)
# (mean ei - mc = -1) and (1, 1) put mc first. So P(ei best) = 1/4. The ei - mc difference is -1
# with a t-interval over the two seeds' differences (+1, -3) of -1 ± t(1) * 2 (sd 2√2 over √2),
# t(1) = tan(0.475π) = 12.706 at 97.5 %: not significant; ei - zero-filled is +2 on both seeds,
# an interval of no width: significant.
T1 = np.tan(0.475 * np.pi)  # Student's t with one degree of freedom at 0.975
PSNR = {("ei", 0): 20.0, ("ei", 1): 20.0, ("mc", 0): 19.0, ("mc", 1): 23.0,
        ("zero-filled", 0): 18.0, ("zero-filled", 1): 18.0}


def hand_made_images() -> pd.DataFrame:
    return pd.DataFrame([{"profile": "smoke", "scenario": "mri", "method": m, "seed": s, "image": 0,
                          "image_id": "sagittal:40", "psnr": v, "ssim": v / 40} for (m, s), v in PSNR.items()],
                        columns=PER_IMAGE_COLUMNS)


@pytest.fixture(scope="module")
def hand_made_results(smoke_grid, tmp_path_factory):
    """A results folder holding only the runs of ``PSNR`` (profile smoke, scenario mri)."""
    results = tmp_path_factory.mktemp("hand-made")
    (results / "smoke").mkdir()
    shutil.copy(smoke_grid.results / "catalogue.json", results)
    template = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv").iloc[0].to_dict()
    images = hand_made_images()
    runs = pd.DataFrame([{**template, "scenario": "mri", "method": m, "seed": s, "variant_of": "", "departure": "",
                          "status": "ok", "failure": "", "psnr": v, "ssim": v / 40, "n_test": 1,
                          "train_seconds": 0.0 if m == "zero-filled" else 10.0 * (1 + s)}
                         for (m, s), v in PSNR.items()], columns=RUN_COLUMNS)
    for name, table in (("runs", runs), ("per_image", images), ("summary", summarise(runs, images))):
        (results / "smoke" / f"{name}.csv").write_text(to_csv(table))
    return results


def test_ranks_count_the_competitors_above_and_ties_share_the_better_rank():
    means = np.array([[3.0, 2.0, 2.0, np.nan], [1.0, 2.0, 3.0, 0.0]])
    assert ranks_in_samples(means, np.array([True, True, True, True])).tolist() == [[1, 2, 2, 4], [3, 2, 1, 4]]
    # a method that is not a competitor (a variant) is ranked without moving the others
    assert ranks_in_samples(means, np.array([True, True, False, True])).tolist() == [[1, 2, 2, 3], [2, 1, 1, 3]]


def test_rank_distribution_and_a_significance_cell_by_hand():
    images = hand_made_images()
    methods = ["mc", "ei", "zero-filled"]
    ranks = rank_distribution(images, methods, methods, ["mc", "ei"]).set_index("method")
    assert ranks.loc["ei", "p_best"] == pytest.approx(0.25, abs=0.04)  # 4 binomial sds of 2000 samples
    assert ranks.loc["mc", "p_best"] == pytest.approx(0.75, abs=0.04)
    assert ranks.loc["ei", "shares"][1] == pytest.approx(0.25, abs=0.04) and set(ranks.loc["ei", "shares"]) == {1, 2}
    assert (ranks.loc["zero-filled", "shares"], np.isnan(ranks.loc["zero-filled", "p_best"])) == ({3: 1.0}, True)
    assert (ranks.loc["ei", "rank_low"], ranks.loc["ei", "rank_high"]) == (1, 2)
    cells = significance(images, methods).set_index(["row", "column"])
    assert cells.loc[("ei", "mc"), ["diff", "low", "high", "significant"]].tolist() == pytest.approx(
        [-1.0, -1 - 2 * T1, -1 + 2 * T1, False], abs=1e-9)
    assert cells.loc[("ei", "zero-filled"), ["diff", "low", "high", "significant"]].tolist() == [2.0, 2.0, 2.0, True]
    assert cells.loc[("mc", "ei"), "diff"] == 1.0  # row - column, both ways


def test_a_pair_has_the_t_interval_of_its_seeds_mean_differences():
    """The matrix's CI of a pair is the t-interval over the seeds' mean paired differences, worked
    out here with scipy's t on three seeds of five images."""
    rng = np.random.default_rng(5)
    images = pd.DataFrame([{"method": m, "seed": seed, "image_id": f"i{k}", "psnr": float(rng.normal(20, 2))}
                           for m in ("ei", "mc") for seed in range(3) for k in range(5)])
    pair = images.pivot_table(index=["seed", "image_id"], columns="method", values="psnr")
    by_seed = (pair.ei - pair.mc).groupby(level="seed").mean()
    half = stats.t.ppf(0.975, 2) * by_seed.std(ddof=1) / np.sqrt(3)
    expected = (by_seed.mean(), by_seed.mean() - half, by_seed.mean() + half)
    assert Samples.of(images, "psnr", ["ei", "mc"]).difference("ei", "mc") == pytest.approx(expected, abs=1e-12)
    cells = significance(images, ["ei", "mc"]).set_index(["row", "column"])
    assert cells.loc[("mc", "ei"), ["diff", "low", "high"]].tolist() == pytest.approx([-expected[0], -expected[2], -expected[1]])


def test_a_pair_missing_seeds_uses_the_seeds_both_have():
    """mc has seeds 0-1 only (diverged, or not run yet, in 2-5): ei - mc is the t-interval over
    seeds 0 and 1, not six seeds of which most pair nothing."""
    rng = np.random.default_rng(3)
    rows = [{"method": m, "seed": seed, "image_id": f"i{k}", "psnr": float(rng.normal(20, 2))}
            for m, seeds in (("ei", range(6)), ("mc", range(2))) for seed in seeds for k in range(4)]
    images = pd.DataFrame(rows)
    pair = images.pivot_table(index=["seed", "image_id"], columns="method", values="psnr").dropna().sort_index()
    diff = (pair.ei - pair.mc).to_numpy()
    expected = t_interval(diff, pair.index.get_level_values("seed"))
    assert Samples.of(images, "psnr", ["ei", "mc"]).difference("ei", "mc") == pytest.approx(expected, abs=1e-12)
    assert np.isnan(Samples.of(images[images.seed != 1], "psnr", ["ei", "mc"]).difference("ei", "mc")[1])  # one seed


def test_the_scenario_page_shows_the_hand_made_ranks_and_cells(hand_made_results, tmp_path):
    html = (build_site(hand_made_results, tmp_path / "site") / "scenarios" / "smoke-mri" / "index.html").read_text()
    row = re.search(r'<table class="significance psnr".*?</table>', html, re.S).group(0)
    cell = re.search(r'<tr><th>ei</th>(.*?)</tr>', row, re.S).group(1)
    order = [unescape(name) for name in re.findall(r"<th class=\"column\"><span>([^<]+)</span>", row)]
    tds = re.findall(r'<td class="([^"]*)"(?: title="([^"]*)")?>([^<]*)</td>', cell)
    mc = tds[order.index("mc")]
    assert (mc[0], unescape(mc[1]), mc[2]) == ("pair tie", f"ei − mc: -1.00 [{-1 - 2 * T1:+.2f}, {-1 + 2 * T1:+.2f}] dB", "-1.0")
    zero = tds[order.index("zero-filled")]
    assert (zero[0], zero[2]) == ("pair better", "+2.0")
    assert len(re.findall(r'<td class="pair', row)) == len(order) * (len(order) - 1)  # one cell per ordered pair
    figure = json.loads(unescape(re.search(r'class="plotly-figure rank-figure" data-figure="([^"]*)"', html).group(1)))
    shares = {(x, y): s for x, y, s in zip(figure["data"][0]["x"], figure["data"][0]["y"], figure["data"][0]["customdata"])}
    assert shares[("zero-filled", 3)] == 100.0 and shares[("ei", 1)] == pytest.approx(25, abs=4)
    best = re.search(r'methods/ei/">ei</a></td>(.*?)</tr>', html, re.S).group(1)
    assert re.search(r">(\d+) %<", best).group(1) in {str(p) for p in range(21, 30)}  # P(best) about 25 %


def test_the_data_page_links_every_table_and_explains_every_column(hand_made_results, tmp_path):
    html_dir = build_site(hand_made_results, tmp_path / "site")
    page = unescape((html_dir / "data" / "index.html").read_text())
    for name in ("runs.csv", "summary.csv", "per_image.csv"):
        assert f'href="../downloads/smoke/{name}"' in page
        assert (html_dir / "downloads" / "smoke" / name).read_bytes() == (hand_made_results / "smoke" / name).read_bytes()
    assert (html_dir / "downloads" / "catalogue.json").is_file()
    for name, (_, columns) in tables.TABLES.items():
        section = page.split(f"<code>{name}</code>", 1)[1]
        for column in columns:
            assert f"<td><code>{column}</code></td>" in section, (name, column)


def test_every_table_column_has_a_unit_and_a_meaning_and_summaries_follow_the_schema(smoke_grid):
    assert {c for _, columns in tables.TABLES.values() for c in columns} <= set(tables.COLUMNS)
    summary = pd.read_csv(smoke_grid.results / "smoke" / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
