"""Learning curves: recorded along training, collected, and never changing a result."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import torch

from pipeline.setting.data import DatasetSpec
from pipeline.methods import get_method
from pipeline.setting.profiles import PROFILES, curve_epochs
from pipeline.run.spec import RunSpec
from pipeline.run.execute import execute
from pipeline.setting.scenarios import SCENARIOS


@pytest.mark.parametrize("epochs, points, expected", [
    (12, 6, [2, 4, 6, 8, 10, 12]), (1, 6, [1]), (5, 6, [1, 2, 3, 4, 5]), (100, 6, [17, 33, 50, 67, 83, 100]),
    (12, 0, []),
])
def test_curve_epochs_are_spread_and_end_with_the_last(epochs, points, expected):
    assert curve_epochs(epochs, points) == expected


@pytest.mark.parametrize("method", ["noise2inverse", "ei"])
def test_a_curve_changes_no_result(method, tmp_path):
    """noise2inverse scores with random splits drawn from the method's own stream; ei draws
    rotations from it during training. With or without the curve, the same final scores."""
    base = replace(PROFILES["smoke"], epochs=3)
    folders = {}
    for points in (3, 0):
        spec = RunSpec(replace(base, curve_points=points), SCENARIOS["mri"], get_method(method, "mri"), 0,
                       DatasetSpec("mni"))
        folders[points], _ = execute(spec, tmp_path / f"results-{points}", tmp_path / "cache", torch.device("cpu"),
                                     progress=False)
    assert (folders[3] / "per_image.csv").read_bytes() == (folders[0] / "per_image.csv").read_bytes()
    curve = pd.read_csv(folders[3] / "curve.csv")
    assert list(curve.epoch) == [1, 2, 3] and set(curve.images) == {PROFILES["smoke"].curve_images}
    assert curve.psnr.notna().all() and not (folders[0] / "curve.csv").exists()


def test_collect_gathers_the_curves_of_trained_methods(smoke_grid):
    curves = pd.read_csv(smoke_grid.results / "smoke" / "curves.csv")
    runs = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv")
    trained = set(zip(runs.scenario, runs.method)) - {(s, "zero-filled") for s in runs.scenario}
    assert set(zip(curves.scenario, curves.method)) == trained
    assert (curves.epoch == PROFILES["smoke"].epochs).all()


@pytest.mark.parametrize("scenario, method, steps_per_epoch", [
    ("mri", "noise2inverse", None), ("noisy", "ddssl", None), ("mri", "mo-ei", None),
    ("mri", "ei", 3), ("mri", "adversarial", 3),  # a budget in steps (the cpu profile's), a discriminator
])
def test_a_curve_point_on_every_test_image_is_the_final_score_of_the_run_stopped_there(scenario, method, steps_per_epoch,
                                                                                       tmp_path):
    """What the doubling test (and a quick look read from the headline's curves) rests on: the
    point at epoch B of a 2B-epoch run equals, image by image, the evaluation of a B-epoch run
    (methods with random evaluation and random draws included, epochs of whole passes or of steps)."""
    smoke = PROFILES["smoke"]
    scored = {}
    for epochs in (1, 2):
        profile = replace(smoke, epochs=epochs, curve_points=epochs, curve_images=smoke.n_test, steps_per_epoch=steps_per_epoch)
        spec = RunSpec(profile, SCENARIOS[scenario], get_method(method, scenario), 0, DatasetSpec("mni"))
        scored[epochs], _ = execute(spec, tmp_path / f"results-{epochs}", tmp_path / "cache", torch.device("cpu"),
                                    progress=False)
    point = pd.read_csv(scored[2] / "curve_per_image.csv")
    final = pd.read_csv(scored[1] / "per_image.csv")
    at_one = point[point.epoch == 1].reset_index(drop=True)
    assert list(at_one.image_id) == list(final.image_id)
    assert (at_one.psnr - final.psnr).abs().max() < 1e-9 and (at_one.ssim - final.ssim).abs().max() < 1e-9
