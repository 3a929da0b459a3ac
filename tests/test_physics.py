"""The operators' fast ``clone`` gives what DeepInverse's generic clone gives."""

import pytest
import torch
from deepinv.physics import LinearPhysics

from pipeline.scenarios import SCENARIOS

SIZE = 16


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fast_clone_matches_deepinv_clone(name):
    scenario = SCENARIOS[name]
    physics = scenario.physics(SIZE, rng=torch.Generator().manual_seed(3))
    physics.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(1)).step(batch_size=2))
    fast, generic = physics.clone(), LinearPhysics.clone(physics)
    assert type(fast) is type(physics)
    x = torch.randn(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    # same operator, same noise draw (the noise generator's state is copied, not shared)
    assert torch.equal(fast(x), generic(x))
    assert torch.equal(fast.A_adjoint(fast.A(x)), physics.A_adjoint(physics.A(x)))


@pytest.mark.parametrize("name", ["noisy", "multicoil"])
def test_fast_clone_is_independent(name):
    scenario = SCENARIOS[name]
    physics = scenario.physics(SIZE, rng=torch.Generator().manual_seed(3))
    clone = physics.clone()
    if scenario.noise_sigma:
        assert clone.noise_model.rng is not physics.noise_model.rng
    before = physics.mask.clone()
    clone.update(mask=torch.zeros_like(clone.mask))
    assert torch.equal(physics.mask, before)
    assert clone.mask.sum() == 0
