"""Measurements are simulated once per (profile, scenario, dataset, seed) and shared."""

from __future__ import annotations

import pytest
import torch

from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import MeasurementDataset, cache_path, load_measurements
from pipeline.setting.profiles import PROFILES
from pipeline.setting.scenarios import SCENARIOS

SMOKE = PROFILES["smoke"]
MNI = DatasetSpec("mni")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return cache, {name: load_measurements(SMOKE, s, MNI, 0, cache) for name, s in SCENARIOS.items()}


def test_cache_is_reused_and_identical(measured):
    cache, data = measured
    for name, scenario in SCENARIOS.items():
        path = cache_path(cache, SMOKE, scenario, MNI, 0)
        assert path.exists()
        mtime = path.stat().st_mtime_ns
        again = load_measurements(SMOKE, scenario, MNI, 0, cache)
        assert path.stat().st_mtime_ns == mtime
        assert torch.equal(again.train.y, data[name].train.y)
        assert torch.equal(again.test.params["mask"], data[name].test.params["mask"])


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),  # truncated
    lambda p: p.write_bytes(bytes(range(256)) * 8),  # garbage
    lambda p: p.write_bytes(b""),  # empty
    lambda p: torch.save({"train": {"y": torch.zeros(1)}}, p),  # a loadable file of another layout
], ids=["truncated", "garbage", "empty", "other-layout"])
def test_a_damaged_cache_is_named_and_simulated_again(measured, tmp_path, capsys, damage):
    _, data = measured
    path = cache_path(tmp_path, SMOKE, SCENARIOS["noisy"], MNI, 0)
    load_measurements(SMOKE, SCENARIOS["noisy"], MNI, 0, tmp_path)
    damage(path)
    capsys.readouterr()
    again = load_measurements(SMOKE, SCENARIOS["noisy"], MNI, 0, tmp_path)
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"measurement cache {path} is damaged (") and line.endswith("); computing it again")
    assert torch.equal(again.train.y, data["noisy"].train.y)
    assert torch.equal(torch.load(path)["train"]["y"], again.train.y)  # rewritten whole


def test_simulation_is_deterministic(measured, tmp_path):
    _, data = measured
    fresh = load_measurements(SMOKE, SCENARIOS["noisy"], MNI, 0, tmp_path)
    assert torch.equal(fresh.train.y, data["noisy"].train.y)
    other_seed = load_measurements(SMOKE, SCENARIOS["noisy"], MNI, 1, tmp_path)
    assert not torch.equal(other_seed.train.params["mask"], data["noisy"].train.params["mask"])


def test_scenarios_differ_as_designed(measured):
    _, data = measured
    masks = data["mri"].train.params["mask"]
    assert not torch.equal(masks[0], masks[1])  # a new mask per image
    assert abs(masks.mean().item() - 1 / 6) < 0.05  # acceleration 6
    single = torch.cat([data["single"].train.params["mask"], data["single"].test.params["mask"]])
    assert torch.equal(single, single[:1].expand_as(single))  # one fixed mask
    # noisy = noiseless measurement of the same images + noise of std 0.1 on sampled entries
    physics = SCENARIOS["mri"].physics(SMOKE.img_size)
    clean = physics.A(data["noisy"].train.x, mask=data["noisy"].train.params["mask"])
    sampled = data["noisy"].train.params["mask"].expand_as(clean).bool()
    assert 0.07 < (data["noisy"].train.y - clean)[sampled].std() < 0.13
    assert data["multicoil"].train.y.shape[1:] == (2, 4, SMOKE.img_size, SMOKE.img_size)


def test_self_supervised_items_carry_no_ground_truth(measured):
    _, data = measured
    unsupervised = MeasurementDataset(data["mri"].train, with_ground_truth=False)
    supervised = MeasurementDataset(data["mri"].train, with_ground_truth=True)
    assert "x" not in unsupervised[0] and "x" in supervised[0]
    assert torch.equal(unsupervised[3]["y"], supervised[3]["y"])
    assert torch.equal(unsupervised[3]["params"]["mask"], supervised[3]["params"]["mask"])


def test_changed_profile_settings_use_another_cache_file(tmp_path):
    from dataclasses import replace

    other = replace(SMOKE, n_train=6)
    assert cache_path(tmp_path, SMOKE, SCENARIOS["mri"], MNI, 0) != cache_path(tmp_path, other, SCENARIOS["mri"], MNI, 0)
    assert len(load_measurements(other, SCENARIOS["mri"], MNI, 0, tmp_path).train) == 6
