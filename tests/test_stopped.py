"""A profile stopped early (the quick look) is read off the longer profile's runs, never trained apart."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import torch

from pipeline.analysis import contribute as contribution
from pipeline.analysis.collect import collect
from pipeline.base.tables import METRICS
from pipeline.methods import get_method
from pipeline.run.execute import execute
from pipeline.run.results import finished, pending_runs
from pipeline.run.spec import RunSpec
from pipeline.setting import profiles
from pipeline.setting.data import DatasetSpec
from pipeline.setting.profiles import HEADLINE, PROFILES, QUICK_LOOK, QUICK_STEPS
from pipeline.setting.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
SMOKE = PROFILES["smoke"]
# smoke has 8 training images in batches of 4: 2 steps an epoch; the longer profile scores every test image at each epoch
LONG = replace(SMOKE, name="smoke-long", epochs=2, curve_points=2, curve_images=SMOKE.n_test)
SHORT = LONG.stopped("smoke-short", 2, "smoke-long stopped after its first epoch")
METHODS = ("ei", "adversarial", "zero-filled")


@pytest.fixture
def long_and_short(monkeypatch):
    monkeypatch.setitem(profiles.PROFILES, LONG.name, LONG)
    monkeypatch.setitem(profiles.PROFILES, SHORT.name, SHORT)


def specs(profile, methods=METHODS) -> list[RunSpec]:
    return [RunSpec(profile, SCENARIOS["mri"], get_method(m, "mri"), 0, DatasetSpec("mni")) for m in methods]


def train(specs_: list[RunSpec], results: Path, cache: Path) -> None:
    for spec in specs_:
        execute(spec, results, cache, torch.device("cpu"), progress=False)


def test_a_stopped_run_is_read_off_the_longer_run_and_equals_the_run_trained_to_that_step(long_and_short, tmp_path):
    cache = tmp_path / "cache"
    assert pending_runs(specs(SHORT), tmp_path / "long") == specs(SHORT)  # nothing to read off yet
    train(specs(LONG), tmp_path / "long", cache)
    assert pending_runs(specs(SHORT), tmp_path / "long") == []
    train(specs(SHORT), tmp_path / "trained", cache)  # the same runs, trained for real to the stop
    for spec in specs(SHORT):
        read = finished(spec, tmp_path / "long")
        trained = finished(spec, tmp_path / "trained")
        assert read.folder is None and trained.folder == spec.folder(tmp_path / "trained")
        assert list(read.per_image.image_id) == list(trained.per_image.image_id)
        for metric in METRICS:
            assert (read.per_image[metric] - trained.per_image[metric]).abs().max() < 1e-9, (spec.run_id, metric)
        assert read.record["config_hash"] == trained.record["config_hash"] == spec.config_hash()
        assert read.record["epochs"] == trained.record["epochs"]
        assert read.record["stopped_from"] == LONG.name and read.record["profile"] == SHORT.name


def test_collect_writes_a_stopped_profile_from_the_longer_runs_curves(long_and_short, tmp_path):
    results, cache = tmp_path / "results", tmp_path / "cache"
    train(specs(LONG), results, cache)
    runs, missing = collect(specs(SHORT), results)
    assert missing == [] and not (results / SHORT.name / "runs").exists()  # nothing trained for the short profile
    trained = runs.set_index("method")
    assert trained.loc["ei", "epochs"] == 1 and trained.loc["zero-filled", "epochs"] == 0
    long_record = json.loads((specs(LONG)[0].folder(results) / "run.json").read_text())
    assert trained.loc["ei", "train_seconds"] == pytest.approx(long_record["train_seconds"] / 2, abs=1e-3)
    curves = pd.read_csv(results / SHORT.name / "curves.csv")
    assert set(curves.epoch) == {1} and set(curves.method) == {"ei", "adversarial"}


def test_a_run_of_its_own_is_read_first(long_and_short, tmp_path):
    results, cache = tmp_path / "results", tmp_path / "cache"
    (spec,) = specs(SHORT, ["ei"])
    train([spec], results, cache)
    assert finished(spec, results).folder == spec.folder(results)  # no longer run: its own
    assert pending_runs(specs(SHORT), results) == specs(SHORT)[1:]


def test_no_view_without_the_stop_scored_on_every_test_image(long_and_short, tmp_path, monkeypatch):
    results, cache = tmp_path / "results", tmp_path / "cache"
    few = replace(LONG, curve_images=2)  # the curve scores 2 of the 4 test images
    monkeypatch.setitem(profiles.PROFILES, LONG.name, few)
    train(specs(few, ["ei"]), results, cache)
    assert pending_runs(specs(SHORT, ["ei"]), results) == specs(SHORT, ["ei"])


@pytest.mark.parametrize("steps, problem", [(3, "not a whole epoch"), (4, "no curve point on every test image")])
def test_a_profile_is_stopped_only_where_its_curve_scores_every_test_image(steps, problem):
    with pytest.raises(ValueError, match=problem):  # 3 steps: 1.5 epochs; epoch 2: a point on 2 of 4 test images
        replace(LONG, curve_images=2).stopped("x", steps, "")


def test_the_quick_look_is_the_headline_stopped_and_its_committed_tables_are_read_off_it():
    """The committed quick tables are the headline's curve points at QUICK_STEPS, image by image."""
    quick = PROFILES[QUICK_LOOK]
    assert quick.stopped_from == HEADLINE and replace(quick, name=HEADLINE, description="", epochs=0, stopped_from=None) \
        == replace(PROFILES[HEADLINE], description="", epochs=0)
    committed = pd.read_csv(ROOT / "results" / QUICK_LOOK / "per_image.csv")
    read = []
    for (scenario, method, seed), _ in committed.groupby(["scenario", "method", "seed"]):
        spec = RunSpec(quick, SCENARIOS[scenario], get_method(method, scenario), int(seed), DatasetSpec("mni"))
        read.append(finished(spec, ROOT / "results").per_image.assign(scenario=scenario, method=method, seed=seed))
    both = committed.merge(pd.concat(read), on=["scenario", "method", "seed", "image_id"], suffixes=("", "_read"))
    assert len(both) == len(committed)
    for metric in METRICS:
        assert (both[metric] - both[f"{metric}_read"]).abs().max() < 1e-4  # the tables' 6 significant digits
    assert QUICK_STEPS == 192


def test_a_contribution_to_a_stopped_profile_is_compared_with_the_longer_runs(long_and_short, tmp_path):
    """``contribute`` copies the runs its report compares into a scratch folder: for the quick look,
    the headline's runs, which the other methods' quick results are read off."""
    results, cache, scratch = tmp_path / "results", tmp_path / "cache", tmp_path / "scratch"
    train(specs(LONG, ["ei", "zero-filled"]), results, cache)
    contribution.scratch_copy(results, scratch, SHORT.name, ["mri"], "my-method")
    assert contribution.methods_in(scratch, SHORT.name, ["mri"]) == ["ei", "zero-filled"]
    assert pending_runs(specs(SHORT, ["ei", "zero-filled"]), scratch) == []
