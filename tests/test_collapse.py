"""Collapsed runs are named (``pipeline.analysis.collapse``), from the tables alone."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analysis.collapse import collapses, flat_start
from pipeline.analysis.convergence import convergence
from pipeline.base.tables import read_csv

EPOCHS = [12, 24, 36, 48, 60, 72]


def curve(psnr, loss, method="adversarial", seed=0, images=2):
    return pd.DataFrame({"profile": "paper", "scenario": "mri", "method": method, "seed": seed, "epoch": EPOCHS,
                         "psnr": psnr, "ssim": 0.5, "images": images, "loss": loss})


def per_image(method, psnr, seed=0):
    return pd.DataFrame({"profile": "paper", "scenario": "mri", "method": method, "seed": seed,
                         "image": range(len(psnr)), "image_id": [f"axial:{k}" for k in range(len(psnr))], "psnr": psnr,
                         "ssim": 0.5})


def runs(*methods):
    return pd.DataFrame({"profile": "paper", "scenario": "mri", "method": list(methods), "seed": 0,
                         "status": "ok", "n_train": 64})


@pytest.mark.parametrize("psnr, loss, start", [
    ([14, 18, 19.5, 19.505, 19.495, 19.5], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 36),  # flat while the loss falls
    ([14, 18, 19.5, 19.505, 19.495, 19.5], [1.0, 0.9, 0.8, 0.8, 0.8, 0.8], None),  # flat and so is the loss
    ([14, 18, 19.5, 19.505, 19.495, 19.5], [1e-14, 3e-14, 2e-14, 5e-15, 4e-14, 1e-14], None),  # a dead term: zero
    ([14, 18, 19.5, 19.6, 19.7, 19.8], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], None),  # rising by 0.1 dB a point
    ([14, 18, 19.5, 19.505, 25, 26], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], None),  # two flat points are not three
    # a converged loss (MC once A f(y) = y: `cpu` mri seed 1) halves at 1e-8, a ten-thousandth of its scale
    ([19.50, 19.50, 19.50, 19.50, 19.50, 19.50], [4.6e-5, 1.3e-7, 6.1e-8, 4.0e-8, 3.1e-8, 1.8e-8], None),
    # small but moving on the run's own scale (`standard` ssdu-consistency single seed 1): collapsed
    ([21, 21.2, 23.33, 23.33, 23.325, 23.325], [6.1e-3, 4.3e-3, 1.6e-3, 1.5e-3, 1.2e-3, 1.2e-3], 36),
    # a long flat stretch whose loss creeps: 0.6 % of its scale an epoch, 2.4 % over the stretch
    ([14, 19.5, 19.5, 19.5, 19.5, 19.5], [1.0, 0.5, 0.494, 0.488, 0.482, 0.476], 24),
    # moving by 0.4 % of the loss it started from: still, so converged
    ([14, 18, 19.5, 19.505, 19.495, 19.5], [1.0, 0.9, 0.016, 0.012, 0.014, 0.013], None),
])
def test_a_flat_stretch_counts_only_while_the_loss_changes(psnr, loss, start):
    assert flat_start(curve(psnr, loss)) == start


def test_a_network_that_scores_as_zero_filled_is_collapsed_from_where_it_reached_it():
    floor = [19.0, 20.0]  # zero-filled's mean on both curve images: 19.5
    tables = (curve([14, 19.5, 19.5, 19.5, 19.5, 19.5], [0.8, 0.85, 0.86, 0.9, 0.9, 0.91]),
              pd.concat([per_image("adversarial", floor), per_image("zero-filled", floor)]),
              runs("adversarial", "zero-filled"))
    [found] = collapses(*tables)[("mri", "adversarial")]
    assert (found.seed, found.epoch, found.step, found.how) == (0, 24, 24 * 16, "zero-filled")  # 64 images / batch 4
    end = convergence(*tables[::2], per_image=tables[1])[("mri", "adversarial")]
    assert end.state == "collapsed" and end.symbol == "✕"
    assert end.describe() == ("collapsed in 1 of 1 seeds: seed 0 from epoch 24, step 384 "
                              "(output scores as zero-filled on every test image)")


def test_a_network_near_zero_filled_is_not_collapsed():
    tables = (curve([14, 19.5, 19.5, 19.6, 19.7, 19.8], [0.8, 0.8, 0.8, 0.8, 0.8, 0.8]),
              pd.concat([per_image("adversarial", [19.0, 20.01]), per_image("zero-filled", [19.0, 20.0])]),
              runs("adversarial", "zero-filled"))
    assert collapses(*tables) == {}
    assert convergence(tables[0], tables[2], tables[1])[("mri", "adversarial")].state != "collapsed"


def test_collect_puts_each_point_s_training_loss_beside_it(smoke_grid):
    curves = read_csv(smoke_grid.results / "smoke" / "curves.csv")
    trained = curves[curves.method != "zero-filled"]
    assert not trained.empty and trained["loss"].notna().all()
    log = read_csv(smoke_grid.results / "smoke" / "runs" / "mri" / "ei" / "seed0" / "train_log.csv")
    point = trained[(trained.scenario == "mri") & (trained.method == "ei")].iloc[-1]
    assert point["loss"] == pytest.approx(log.drop(columns="epoch").iloc[int(point.epoch) - 1].sum(), rel=1e-5)
