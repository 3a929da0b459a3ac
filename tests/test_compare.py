"""``python -m pipeline compare``: the same grid under two settings, method by method, on real runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.analysis.agreement import kendall_tau_b
from pipeline.cli import main
from pipeline.analysis.compare import compare, report
from tests.conftest import Workspace, run_cli

METHODS = "mc,supervised,zero-filled"


@pytest.fixture(scope="module")
def projected(smoke_grid, tmp_path_factory) -> Workspace:
    """The smoke grid's mri runs again, ending on the projection instead of the denoiser."""
    ws = Workspace(tmp_path_factory.mktemp("projection"), smoke_grid.cache)
    assert main(ws.args("benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", METHODS,
                        "--final-step", "projection")) == 0
    return ws


def per_image(ws: Workspace) -> pd.DataFrame:
    table = pd.read_csv(ws.results / "smoke" / "per_image.csv")
    return table[table.scenario == "mri"].set_index(["method", "seed", "image_id"]).psnr


def test_paired_differences_and_rankings(smoke_grid, projected):
    [shift] = compare(smoke_grid.results, projected.results, "smoke")  # the one scenario both hold
    assert shift.scenario == "mri"
    assert [m.method for m in shift.methods] == sorted(METHODS.split(","))
    a, b = per_image(smoke_grid), per_image(projected)
    for m in shift.methods:
        paired = (b[m.method] - a[m.method]).dropna()
        assert m.delta == pytest.approx(paired.mean())
        assert m.psnr_a == pytest.approx(a[m.method].mean()) and m.psnr_b == pytest.approx(b[m.method].mean())
        assert np.isnan(m.low) and np.isnan(m.high)  # one seed: no interval (the unpaired test has two)
    zero_filled = next(m for m in shift.methods if m.method == "zero-filled")
    assert zero_filled.delta == 0  # no network: no final step
    assert "[no interval: one seed]" in report([shift], "a", "b")
    assert shift.tau_between == pytest.approx(kendall_tau_b([m.psnr_a for m in shift.methods],
                                                            [m.psnr_b for m in shift.methods]))
    assert shift.paper_a.n_methods == shift.paper_b.n_methods == 3  # agreement over the common methods
    text = report([shift], "denoiser", "projection")
    assert text.splitlines()[0].startswith("A = denoiser, B = projection")
    assert "mri: tau between the two rankings" in text


def test_a_method_that_diverged_under_one_setting_is_shown_and_ranks_last(smoke_grid, projected):
    from dataclasses import replace

    from pipeline.analysis.compare import compare_scenario
    from pipeline.analysis.leaderboard import profile_named

    a, b = profile_named(smoke_grid.results, "smoke"), profile_named(projected.results, "smoke")
    diverged = (b.runs.scenario == "mri") & (b.runs.method == "supervised")
    runs = b.runs.assign(status=b.runs.status.where(~diverged, "diverged"), psnr=b.runs.psnr.where(~diverged))
    b = replace(b, runs=runs, per_image=b.per_image[~((b.per_image.scenario == "mri") & (b.per_image.method == "supervised"))])
    shift = compare_scenario(a, b, "mri")
    supervised = next(m for m in shift.methods if m.method == "supervised")
    assert supervised.psnr_b != supervised.psnr_b and supervised.delta != supervised.delta  # NaN: no score under B
    ranked_b = [-1e9 if m.method == "supervised" else m.psnr_b for m in shift.methods]
    assert shift.tau_between == pytest.approx(kendall_tau_b([m.psnr_a for m in shift.methods], ranked_b))
    line = next(l for l in report([shift], "a", "b").splitlines() if l.strip().startswith("supervised"))
    assert line.split()[1:] == [f"{supervised.psnr_a:.2f}", "diverged"]


def test_settings_scored_on_different_test_images_are_compared_unpaired(smoke_grid, projected):
    """Two profiles with different data (``standard`` and ``cpu``) share no test image: the
    difference of the means has Welch's interval over each side's seed means. A second seed is
    made here: A's scores 1 dB up, B's 3 dB up, so the seed means differ by 1 and 3, with
    variances 0.25 and 2.25 of their means."""
    from dataclasses import replace

    from pipeline.analysis.compare import compare_scenario
    from pipeline.analysis.leaderboard import profile_named

    def second_seed(p, shift, place):
        again = p.per_image.assign(seed=p.per_image.seed + 1, psnr=p.per_image.psnr + shift)
        both = pd.concat([p.per_image, again]).assign(image_id=lambda t: t.image_id.astype(str) + place)
        return replace(p, per_image=both, runs=pd.concat([p.runs, p.runs.assign(seed=p.runs.seed + 1)]))

    a, b = profile_named(smoke_grid.results, "smoke"), profile_named(projected.results, "smoke")
    shift = compare_scenario(second_seed(a, 1.0, "-here"), second_seed(b, 3.0, "-elsewhere"), "mri")
    assert not shift.paired and compare_scenario(a, b, "mri").paired
    df = 2.5 ** 2 / (0.25 ** 2 + 2.25 ** 2)
    half = stats.t.ppf(0.975, df) * np.sqrt(2.5)
    for m in shift.methods:
        assert m.delta == pytest.approx(m.psnr_b - m.psnr_a)
        assert (m.low, m.high) == pytest.approx((m.delta - half, m.delta + half))
    zero_filled = next(m for m in shift.methods if m.method == "zero-filled")
    assert zero_filled.delta == pytest.approx(1.0)  # the same reconstructions, B's second seed 2 dB further up
    assert "unpaired: the two settings scored different test images" in report([shift], "a", "b")


def test_a_folder_against_itself_changes_nothing(smoke_grid):
    for shift in compare(smoke_grid.results, smoke_grid.results, "smoke"):
        assert shift.tau_between == pytest.approx(1.0) or len(shift.methods) < 2
        assert all(m.delta == 0 for m in shift.methods)


@pytest.mark.parametrize("extra, message", [
    (["--scenarios", "noisy"], "scenario(s) noisy not in both folders (both have: mri)"),
    (["--labels", "only-one"], "--labels takes two names separated by a comma, got 'only-one'"),
    (["--profile", "quick"], "no results for profile 'quick' in"),
    (["--profile-b", "quick"], "no results for profile 'quick' in"),
])
def test_bad_input_is_one_line(smoke_grid, projected, extra, message):
    result = run_cli("compare", str(smoke_grid.results), str(projected.results), "--profile", "smoke", *extra)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


def test_an_empty_folder_says_what_to_run(tmp_path, smoke_grid):
    result = run_cli("compare", str(tmp_path), str(smoke_grid.results), "--profile", "smoke")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no results in {tmp_path}/: run `make benchmark` (or `make collect`) first"
