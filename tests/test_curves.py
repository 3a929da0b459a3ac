"""Learning curves: recorded along training, collected, and never changing a result."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import torch

from pipeline.curves import curve_epochs
from pipeline.data import DatasetSpec
from pipeline.methods import get_method
from pipeline.profiles import PROFILES
from pipeline.runs import RunSpec, execute
from pipeline.scenarios import SCENARIOS


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
