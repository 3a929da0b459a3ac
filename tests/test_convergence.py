"""How a learning curve ended: the verdicts and the numbers behind them, on curves of known shape."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.convergence import MOVING_DB, UNSTEADY_DB, convergence

EPOCHS = [2, 4, 6, 8, 10, 12]


def curves(**shapes: list[list[float]]) -> pd.DataFrame:
    """A curves table: for each method, one PSNR list per seed at ``EPOCHS``."""
    rows = [{"scenario": "mri", "method": method, "seed": seed, "epoch": epoch, "psnr": psnr, "ssim": 0.5, "images": 8}
            for method, seeds in shapes.items() for seed, points in enumerate(seeds)
            for epoch, psnr in zip(EPOCHS, points)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("points, state, last_step", [
    ([15, 18, 19, 19.5, 19.6, 19.65], "flat", 0.05),
    ([15, 16, 17, 17.5, 17.9, 18.3], "still rising", 0.4),
    ([20, 20.5, 20.4, 20.3, 20.1, 19.8], "still falling", -0.3),
    ([15, 18, 19, 17.5, 19.0, 18.7], "unsteady", -0.3),  # a 1.5 dB step late in training
    ([5, 18, 18.1, 18.2, 18.3, 18.35], "flat", 0.05),  # an early jump is not late in training
    ([15, 16, 17, 17.5, 17.9, math.nan], "still rising", 0.4),  # a diverged point is left out
])
def test_each_shape_gets_its_verdict(points, state, last_step):
    (end,) = convergence(curves(method=[points])).values()
    assert end.state == state
    assert end.last_step == pytest.approx(last_step)
    assert state.split()[-1] in end.describe()


def test_seeds_are_averaged_and_every_method_is_reported():
    table = curves(ei=[[15, 18, 19, 19.5, 19.6, 19.8], [15, 18, 19, 19.5, 19.6, 20.0]],
                   uair=[[15, 18, 19, 10, 19, 18], [15, 18, 19, 19, 19, 19]])
    ends = convergence(table)
    assert set(ends) == {("mri", "ei"), ("mri", "uair")}
    assert ends[("mri", "ei")].last_step == pytest.approx(0.3) and ends[("mri", "ei")].state == "still rising"
    assert ends[("mri", "uair")].late_step == pytest.approx(4.5) and ends[("mri", "uair")].state == "unsteady"
    assert MOVING_DB < UNSTEADY_DB


def test_no_curves_or_a_single_point_says_nothing():
    assert convergence(None) == {}
    assert convergence(curves(method=[[15]])) == {}


def test_a_seed_that_diverged_makes_its_method_unsteady_whatever_its_curve_did():
    """The curve of a diverged run stops at its last finite point, where it may look flat."""
    table = curves(ei=[[15, 18, 19, 19.5, 19.6, 19.65], [15, 18, 19, 19.05]],  # seed 1 diverged after epoch 8
                   mc=[[15, 18, 19, 19.5, 19.6, 19.65], [15]])  # seed 1 diverged after its first point
    runs = pd.DataFrame({"scenario": "mri", "method": ["ei", "ei", "mc", "mc"], "seed": [0, 1, 0, 1],
                         "status": ["ok", "diverged", "ok", "diverged"]})
    assert convergence(table)[("mri", "ei")].state == "flat"  # what the curves alone say
    ends = convergence(table, runs)
    for method in ("ei", "mc"):
        assert ends[("mri", method)].state == "unsteady"
        assert ends[("mri", method)].describe() == "unsteady (diverged in 1 of 2 seeds)"
    assert ends[("mri", "mc")].last_step == pytest.approx(0.05)  # from the seed whose curve has steps


def test_a_slow_drift_under_every_threshold_is_flat_but_shows_its_second_half():
    """MOI in standard `single` lost 0.6 dB over its second half in steps of 0.05-0.28 dB."""
    (end,) = convergence(curves(moi=[[20, 20.5, 20.3, 20.1, 19.95, 19.8]])).values()
    assert end.state == "flat"
    assert end.half_change == pytest.approx(-0.5)  # epoch 6 (half of 12) to epoch 12
    assert end.describe() == "flat (-0.15 dB over the last interval, -0.50 dB over the second half)"
