"""Budgets in optimiser steps: epochs of a fixed number of batches cut from shuffled passes."""

from __future__ import annotations

from dataclasses import replace

import torch

from pipeline.run.batches import ShuffledPasses
from pipeline.setting.data import DatasetSpec
from pipeline.methods import get_method
from pipeline.setting.profiles import PROFILES
from pipeline.run.spec import RunSpec
from pipeline.run.training import train_loader
from pipeline.setting.measurements import load_measurements
from pipeline.setting.scenarios import get_scenario


def test_each_pass_holds_every_image_once_and_an_epoch_goes_on_where_the_last_stopped():
    sampler = ShuffledPasses(10, steps=3, batch_size=4, generator=torch.Generator().manual_seed(0))
    epochs = [list(sampler) for _ in range(5)]  # 60 indices: six passes over 10 images
    assert all(len(e) == len(sampler) == 12 for e in epochs)
    stream = sum(epochs, [])
    passes = [stream[k:k + 10] for k in range(0, 60, 10)]
    assert all(sorted(p) == list(range(10)) for p in passes)
    assert len({tuple(p) for p in passes}) == 6  # a new order each pass


def test_the_stream_replays_from_the_same_seed():
    def stream(seed):
        sampler = ShuffledPasses(7, steps=2, batch_size=4, generator=torch.Generator().manual_seed(seed))
        return [list(sampler) for _ in range(3)]

    assert stream(1) == stream(1) != stream(2)


def test_a_profile_in_steps_gives_that_many_full_batches_per_epoch(tmp_path):
    profile = replace(PROFILES["smoke"], steps_per_epoch=5)  # 8 training images: an epoch is 2.5 passes
    spec = RunSpec(profile, get_scenario("mri"), get_method("mc"), 0, DatasetSpec("mni"))
    data = load_measurements(profile, spec.scenario, spec.dataset, 0, tmp_path)
    loader = train_loader(spec, data.train, torch.device("cpu"))
    for _ in range(profile.epochs * 2):
        batches = list(loader)
        assert len(batches) == len(loader) == 5 and all(len(b["y"]) == profile.batch_size for b in batches)
    assert profile.steps == profile.epochs * 5


def test_the_config_records_steps_and_the_step_computed_not_the_rule():
    cpu = RunSpec(PROFILES["cpu"], get_scenario("noisy"), get_method("mc"), 0, DatasetSpec("mni")).config()
    assert cpu["profile"]["steps_per_epoch"] == 192 and "final_step" not in cpu["profile"]
    assert cpu["final_step"] == "denoiser" and PROFILES["cpu"].steps == 1536
    assert cpu["profile"]["n_train"] is None  # every training slice of the embedded data (227)
    smoke = RunSpec(PROFILES["smoke"], get_scenario("mri"), get_method("mc"), 0, DatasetSpec("mni")).config()
    assert "steps_per_epoch" not in smoke["profile"]  # one pass per epoch, as SSIBench
