"""The model held fixed across methods, and the profile's choice of what it ends on."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from deepinv.models import MoDL, UNet

from pipeline.model import ConsistentMoDL, build_model
from pipeline.profiles import PROFILES
from pipeline.scenarios import SCENARIOS

SMOKE = PROFILES["smoke"]


def test_paper_profile_keeps_ssibench_model_and_quick_ends_on_data_consistency():
    assert type(build_model(PROFILES["paper"])) is MoDL  # exactly DeepInverse's, as SSIBench
    quick = build_model(PROFILES["quick"])
    assert isinstance(quick, ConsistentMoDL) and quick.final_step == "projection"


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
