"""The model held fixed across methods, and the profile's choice of what it ends on."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from deepinv.loss import SplittingLoss
from deepinv.models import MoDL, UNet

from pipeline.setting.model import ENDING_ON, AutogradMoDL, ConsistentMoDL, build_model
from pipeline.setting.profiles import FINAL_STEPS, PROFILES
from pipeline.setting.scenarios import SCENARIOS

SMOKE = PROFILES["smoke"]
SIZE = 16


@pytest.mark.parametrize("profile", ["paper", "cpu", "quick"])
def test_the_profiles_keep_ssibench_model(profile):
    # DeepInverse's MoDL, ending on the denoiser, as SSIBench; only how its solves are differentiated is ours
    assert type(build_model(PROFILES[profile])) is AutogradMoDL and issubclass(AutogradMoDL, MoDL)
    assert set(ENDING_ON) == set(FINAL_STEPS)  # every step a profile may name has its model


@pytest.mark.parametrize("scenario", ["mri", "multicoil"])
def test_final_data_consistency_steps(scenario):
    torch.manual_seed(0)
    physics = SCENARIOS[scenario].physics(SMOKE.img_size)
    x = torch.rand(2, 2, SMOKE.img_size, SMOKE.img_size)
    y = physics(x)

    def misfit(final_step: str) -> float:
        torch.manual_seed(1)  # the same UNet weights for each choice
        model = build_model(replace(SMOKE, final_step=final_step))
        out = model(y, physics)
        out.square().sum().backward()  # the step is differentiable: the UNet still learns through it
        (unet,) = [m for m in model.modules() if isinstance(m, UNet)]
        assert all(p.grad is not None for p in unet.parameters())
        return float((physics.A(out) - y).norm() / y.norm())

    ends_on_denoiser = misfit("denoiser")
    assert misfit("projection") < 1e-5  # the measured samples are given back exactly
    assert misfit("prox") < ends_on_denoiser  # MoDL's own soft step moves towards them


@pytest.mark.parametrize("scenario, tolerance", [("mri", 1e-5), ("noisy", 1e-5), ("single", 1e-5), ("multicoil", 2e-3)])
def test_the_projection_gives_back_the_measured_samples_under_real_masks(scenario, tolerance):
    """‖A x̂ − y‖ / ‖y‖ after the final projection, with the scenario's own undersampling masks.
    With coil maps A^T is not a pseudo-inverse (residual 5e-2): the step must use A^dagger."""
    torch.manual_seed(0)
    chosen = SCENARIOS[scenario]
    physics = chosen.physics(SMOKE.img_size, rng=torch.Generator().manual_seed(2))
    physics.update(**chosen.mask_generator(SMOKE.img_size, rng=torch.Generator().manual_seed(1)).step(batch_size=2))
    y = physics(torch.rand(2, 2, SMOKE.img_size, SMOKE.img_size))
    model = build_model(replace(SMOKE, final_step="projection"))
    with torch.no_grad():
        residual = float((physics.A(model(y, physics)) - y).norm() / y.norm())
    assert residual < tolerance


def test_the_run_records_the_step_its_network_ends_on():
    from pipeline.setting.data import DatasetSpec
    from pipeline.methods import get_method
    from pipeline.run.spec import RunSpec

    for step in FINAL_STEPS:
        profile = replace(SMOKE, final_step=step)
        assert build_model(profile).final_step == step
        assert RunSpec(profile, SCENARIOS["mri"], get_method("mc"), 0, DatasetSpec("mni")).config()["final_step"] == step


def mc_gradient(model, physics, y, scale: float) -> torch.Tensor:
    """The parameter gradient of an MC loss on the model's output, the loss scaled and the gradient scaled back."""
    model.zero_grad()
    ((physics.A(model(y, physics)) - y).pow(2).mean() * scale).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]) / scale


@pytest.mark.parametrize("final_step", ["denoiser", "prox"])
@pytest.mark.parametrize("split", [False, True], ids=["operator", "split operator"])
def test_multicoil_data_steps_are_differentiated_exactly_at_any_loss_scale(split, final_step):
    """A training gradient has entries near 1e-6; DeepInverse's implicit backward of the CG data
    step stalls at that scale (an absolute eps in its step size), so its gradient shrinks with the
    loss. The model differentiates through the iterations instead, also for the operator a
    splitting loss builds from the measured one (Inpainting(mask) * A, DeepInverse's defaults),
    and in a final data-consistency step (the prox, or the projection)."""
    scenario = SCENARIOS["multicoil"]
    physics = scenario.physics(SIZE)
    physics.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(1)).step(batch_size=2))
    y = physics.A(torch.randn(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(0)))
    if split:
        keep = torch.rand(y.shape[0], *y.shape[1:], generator=torch.Generator().manual_seed(2)) < 0.6
        y, physics = SplittingLoss.split(keep.float(), y, physics)
    assert physics.implicit_backward_solver  # DeepInverse's default, on the operator itself
    torch.manual_seed(0)
    model = build_model(replace(PROFILES["smoke"], final_step=final_step))
    assert isinstance(model, ConsistentMoDL) == (final_step == "prox")
    unit, tiny = mc_gradient(model, physics, y, 1.0), mc_gradient(model, physics, y, 1e-6)
    assert float((tiny - unit).norm() / unit.norm()) < 1e-4
    assert physics.implicit_backward_solver  # the operator's own setting is left as it was


def test_the_operators_setting_comes_back_when_the_model_fails():
    scenario = SCENARIOS["multicoil"]
    physics = scenario.physics(SIZE)
    model = build_model(PROFILES["smoke"])
    with pytest.raises(RuntimeError):
        model(torch.zeros(1, 2, SIZE + 1, SIZE), physics)  # measurements of the wrong shape
    assert physics.implicit_backward_solver
