"""The paper profile builds and trains at 320x320 on (synthetic) fastMRI files, on the CPU."""

from __future__ import annotations

import torch

from pipeline.base import provenance
from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.setting.model import build_model, count_parameters, pick_device
from pipeline.setting.profiles import get_profile
from pipeline.run.spec import RunSpec
from pipeline.run.setup import method_setup
from pipeline.setting.scenarios import SCENARIOS
from tests.fastmri_files import write_folder


def test_paper_profile_model_and_physics_take_a_training_step_at_320(tmp_path):
    write_folder(tmp_path / "fastmri", n_volumes=5)
    profile = get_profile("paper")
    dataset = DatasetSpec.parse("fastmri", str(tmp_path / "fastmri"))
    for scenario in SCENARIOS.values():
        data = load_measurements(profile, scenario, dataset, 0, tmp_path / "cache")
        assert data.img_size == 320 and data.train.x.shape[1:] == (2, 320, 320)
        assert (len(data.train), len(data.test)) == (4, 1)  # every volume, split 80/20

    # one MC step of the full-size MoDL (SSIBench's UNet: 4 scales, default widths) on one image
    spec = RunSpec(profile, SCENARIOS["mri"], get_method("mc", "mri"), 0, dataset)
    data = load_measurements(profile, spec.scenario, dataset, 0, tmp_path / "cache")
    device = torch.device("cpu")
    model = build_model(profile, device)
    assert count_parameters(model) > 8_000_000
    physics = spec.scenario.physics(320, device=device)
    (loss,) = [l for l in spec.method.losses(method_setup(spec, data, device))]
    y = data.train.y[:1]
    physics.update(**data.train.params_of(slice(0, 1)))
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.Adam(model.parameters(), lr=profile.lr)
    x_net = model(y, physics)
    assert x_net.shape == (1, 2, 320, 320)
    value = loss(x_net=x_net, y=y, physics=physics, model=model).mean()
    value.backward()
    assert torch.isfinite(value)
    unet = [p for name, p in model.named_parameters() if "denoiser" in name]
    assert unet and all(p.grad is not None and torch.isfinite(p.grad).all() for p in unet)
    optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_a_cuda_run_records_the_gpu(monkeypatch):
    """No GPU in CI: the CUDA calls are replaced, to check what a run on CUDA would record."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100 80GB HBM3")
    device = pick_device("auto")
    assert device == torch.device("cuda")
    assert provenance.device_record(device) == {"device": "cuda", "device_name": "NVIDIA H100 80GB HBM3"}
    assert pick_device("cpu") == torch.device("cpu")
