"""Independent random streams: one per purpose, derived from the run seed."""

from __future__ import annotations

import itertools

import pytest
import torch

from pipeline import streams
from pipeline.data import DatasetSpec
from pipeline.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.profiles import PROFILES
from pipeline.runs import RunSpec, method_setup
from pipeline.scenarios import SCENARIOS

SMOKE = PROFILES["smoke"]


def test_no_two_purposes_or_seeds_share_a_stream():
    keys = list(itertools.product(range(4), streams.PURPOSES))
    seeds = {streams.stream_seed(seed, purpose) for seed, purpose in keys}
    assert len(seeds) == len(keys)
    first_draws = {tuple(torch.rand(4, generator=streams.generator(seed, purpose)).tolist()) for seed, purpose in keys}
    assert len(first_draws) == len(keys)
    assert streams.stream_seed(3, streams.METHOD) == streams.stream_seed(3, streams.METHOD)  # reproducible


def test_an_unknown_purpose_is_refused():
    with pytest.raises(ValueError, match="unknown random stream"):
        streams.stream_seed(0, "typo")


@pytest.mark.parametrize("scenario", ["mri", "multicoil"])
def test_a_loss_draws_operators_other_than_the_datas_own_masks(scenario, tmp_path):
    """Seeded like the acquisition draw, a loss's 'new' operators would replay the training
    images' own masks, in order: they must come from a stream of their own."""
    spec = RunSpec(SMOKE, SCENARIOS[scenario], get_method("moi"), 0, DatasetSpec("mni"))
    data = load_measurements(SMOKE, spec.scenario, spec.dataset, 0, tmp_path)
    setup = method_setup(spec, data, torch.device("cpu"))
    acquired = data.train.params["mask"]
    drawn = setup.physics_generator.step(batch_size=len(acquired))["mask"]
    assert not any(torch.equal(d, a) for d in drawn for a in acquired)


def test_a_methods_transforms_and_its_mask_generator_use_different_streams(tmp_path):
    """MO-EI's CPAB transform (method stream) and its new masks (loss-operators stream)."""
    spec = RunSpec(SMOKE, SCENARIOS["mri"], get_method("mo-ei"), 0, DatasetSpec("mni"))
    setup = method_setup(spec, load_measurements(SMOKE, spec.scenario, spec.dataset, 0, tmp_path), torch.device("cpu"))
    assert setup.rng is not setup.physics_generator.rng
    assert not torch.equal(torch.rand(8, generator=setup.rng), torch.rand(8, generator=setup.physics_generator.rng))
