"""Independent random streams: one per purpose, derived from the run seed."""

from __future__ import annotations

import itertools

import pytest
import torch

from pipeline.base import streams
from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.setting.profiles import PROFILES
from pipeline.run.spec import RunSpec
from pipeline.run.setup import method_setup, training_physics
from pipeline.setting.scenarios import SCENARIOS

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


def mo_ei_transform(seed: int, tmp_path):
    spec = RunSpec(SMOKE, SCENARIOS["mri"], get_method("mo-ei"), seed, DatasetSpec("mni"))
    setup = method_setup(spec, load_measurements(SMOKE, spec.scenario, spec.dataset, seed, tmp_path), torch.device("cpu"))
    return spec.method.losses(setup)[1].T


def test_cpab_transforms_draw_from_the_method_stream_not_the_global_state(tmp_path):
    """libcpab samples from torch's global RNG; MO-EI's transform must draw from its named stream."""
    x = torch.rand(2, 2, SMOKE.img_size, SMOKE.img_size)

    def params(seed: int, global_seed: int):
        torch.manual_seed(global_seed)
        return mo_ei_transform(seed, tmp_path).get_params(x)["diffeo"]

    assert torch.equal(params(0, global_seed=1), params(0, global_seed=2))  # the global state plays no part
    assert not torch.equal(params(0, global_seed=1), params(1, global_seed=1))  # it moves with the run's stream
    with streams.global_rng_from(streams.generator(0, streams.METHOD)):  # and is that stream's draw
        reference = mo_ei_transform(0, tmp_path).cpab.sample_transformation(1)
    assert torch.equal(params(0, global_seed=3), reference)


def test_remeasurement_noise_comes_from_its_own_stream(tmp_path):
    """In `noisy`, the noise a loss adds when it re-measures (EI, MOI, MO-EI) is drawn from the
    run's re-measurement stream, continued from step to step, whatever the global state."""
    x = torch.rand(2, 2, SMOKE.img_size, SMOKE.img_size)

    def draws(seed: int, global_seed: int) -> list[torch.Tensor]:
        torch.manual_seed(global_seed)
        physics = training_physics(RunSpec(SMOKE, SCENARIOS["noisy"], get_method("mo-ei"), seed, DatasetSpec("mni")),
                                   SMOKE.img_size, torch.device("cpu"))
        return [physics.clone()(x) - physics.A(x) for _ in range(2)]  # as MOI/MO-EI: a clone per step

    first, second = draws(0, global_seed=1)
    assert not torch.equal(first, second)  # a new draw at each step
    again = draws(0, global_seed=2)
    assert torch.equal(first, again[0]) and torch.equal(second, again[1])
    assert not torch.equal(first, draws(1, global_seed=1)[0])
    expected = torch.randn(x.shape, generator=streams.generator(0, streams.NOISE_REMEASURE)) * 0.1
    assert torch.allclose(first, expected, atol=1e-5)  # that stream's draw (the default mask samples everything)
