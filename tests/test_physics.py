"""The operators' fast ``clone``: DeepInverse's operator, with the noise stream continued, not replayed."""

import pytest
import torch
from deepinv.physics import LinearPhysics

from pipeline.setting.scenarios import SCENARIOS

SIZE = 16


def noisy_operator(name: str):
    scenario = SCENARIOS[name]
    physics = scenario.physics(SIZE, rng=torch.Generator().manual_seed(3))
    physics.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(1)).step(batch_size=2))
    return physics


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fast_clone_matches_deepinv_clone(name):
    physics = noisy_operator(name)
    fast, generic = physics.clone(), LinearPhysics.clone(physics)
    assert type(fast) is type(physics)
    x = torch.randn(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    assert torch.equal(fast.A(x), generic.A(x))
    assert torch.equal(fast(x), generic(x))  # the first noise draw is the same
    assert torch.equal(fast.A_adjoint(fast.A(x)), physics.A_adjoint(physics.A(x)))


def test_clones_continue_the_noise_stream_instead_of_replaying_it():
    """A loss clones the training operator at every step: DeepInverse's clone copies the noise
    generator's state, so every step would add the very same noise; ours shares the generator."""
    x = torch.randn(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    physics = noisy_operator("noisy")
    generic = [LinearPhysics.clone(physics)(x) for _ in range(2)]
    assert torch.equal(generic[0], generic[1])  # what we avoid
    first, second = physics.clone()(x), physics.clone()(x)
    assert not torch.equal(first, second)
    replay = noisy_operator("noisy")  # the same stream, drawn twice in a row, gives the same two draws
    assert torch.equal(replay(x), first) and torch.equal(replay(x), second)


@pytest.mark.parametrize("name", ["noisy", "multicoil"])
def test_fast_clone_has_its_own_operator(name):
    physics = noisy_operator(name)
    clone = physics.clone()
    before = physics.mask.clone()
    clone.update(mask=torch.zeros_like(clone.mask))
    assert torch.equal(physics.mask, before)
    assert clone.mask.sum() == 0
