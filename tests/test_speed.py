"""Speed options (``--speed``): recorded choices that change how a step is computed, never the method."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from deepinv.models import UNet

from pipeline.cli import main
from pipeline.base.errors import UsageError
from pipeline.setting.model import AutocastUNet, build_model
from pipeline.setting.profiles import PROFILES, get_profile

SMOKE = PROFILES["smoke"]


def test_without_options_the_config_is_the_one_runs_were_made_with():
    """The options are in a profile's config only when set: committed runs keep their hash."""
    assert "speed" not in SMOKE.as_config()
    fast = get_profile("smoke", speed="channels-last,bf16")
    assert fast.speed == ("bf16", "channels-last") and fast.as_config()["speed"] == ["bf16", "channels-last"]


def test_a_misspelt_option_is_a_one_line_usage_error():
    with pytest.raises(UsageError, match=r"unknown --speed option 'fp16'; choose from bf16, channels-last"):
        get_profile("smoke", speed="bf16,fp16")


def test_bf16_runs_the_unet_in_bfloat16_and_hands_back_float32():
    torch.manual_seed(0)
    plain = build_model(SMOKE)
    torch.manual_seed(0)
    mixed = build_model(replace(SMOKE, speed=("bf16",)))
    assert any(isinstance(m, AutocastUNet) for m in mixed.modules())
    assert plain.state_dict().keys() == mixed.state_dict().keys()  # checkpoints load either way
    unet_plain = next(m for m in plain.modules() if isinstance(m, UNet))
    unet_mixed = next(m for m in mixed.modules() if isinstance(m, UNet))
    x = torch.rand(2, 2, SMOKE.img_size, SMOKE.img_size)
    with torch.no_grad():
        exact, rounded = unet_plain(x), unet_mixed(x)
    assert rounded.dtype == torch.float32
    error = float((rounded - exact).norm() / exact.norm())
    assert 0 < error < 0.05  # bfloat16 rounding (8-bit mantissa), not another network


def test_channels_last_lays_the_convolution_weights_out_nhwc():
    model = build_model(replace(SMOKE, speed=("channels-last",)))
    weights = [p for p in model.parameters() if p.dim() == 4]
    assert weights and all(w.is_contiguous(memory_format=torch.channels_last) for w in weights)


def test_a_run_with_options_records_them_and_is_a_run_of_its_own(workspace):
    plain = workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "mc")
    assert main(plain) == 0
    folder = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed0"
    before = json.loads((folder / "config.json").read_text())
    assert main(plain + ["--speed", "bf16,pinned-memory"]) == 0  # not current any more: redone
    after = json.loads((folder / "config.json").read_text())
    assert "speed" not in before["profile"] and after["profile"]["speed"] == ["bf16", "pinned-memory"]
    assert after["config_hash"] != before["config_hash"]
