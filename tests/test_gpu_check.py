"""``make gpu-check`` and what keeps every run on its device: checked on a CPU, and on a GPU where there is one."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks import gpu_check
from pipeline.run import checkpoints
from pipeline.base import streams
from pipeline.methods import Setup, get_method
from pipeline.methods import adversarial
from pipeline.setting.measurements import MeasurementDataset, MeasuredSplit
from pipeline.setting.model import build_model
from pipeline.setting.profiles import get_profile
from pipeline.setting.scenarios import get_scenario
from pipeline.setting.speed import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("mc", "adversarial", "zero-filled")  # trained, trained with a discriminator, not trained


def read(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


def check(tmp_path: Path, device: str) -> list[dict]:
    out = tmp_path / "gpu.csv"
    code = gpu_check.main(["--device", device, "--size", "32", "--profile", "smoke", "--methods", ",".join(METHODS),
                           "--epochs", "1", "--repeats", "1", "--psnr-epochs", "1", "--out", str(out)])
    assert code == 0
    return read(out)


def test_the_cpu_mode_checks_every_method_and_measures_overhead_and_speed(tmp_path):
    rows = check(tmp_path, "cpu")
    methods = [r for r in rows if r["section"] == "method"]
    expected = {(s, m) for m in METHODS for s in get_method(m).scenarios}
    assert {(r["scenario"], r["method"]) for r in methods} == expected
    assert all(r["status"] == "ok" and float(r["peak_memory_mb"]) > 0 for r in methods)
    trained = [r for r in methods if r["method"] != "zero-filled"]
    assert all(float(r["seconds_per_step"]) > 0 for r in trained)
    assert all(r["seconds_per_step"] == "" for r in methods if r["method"] == "zero-filled")

    overhead = {r["method"]: float(r["value"]) for r in rows if r["section"] == "overhead"}
    assert set(overhead) == set(gpu_check.OVERHEAD_METHODS) and all(v > 0 for v in overhead.values())
    speed = {r["status"]: float(r["value"]) for r in rows if r["section"] == "speed"}
    assert set(speed) == {"float32", *OPTIONS} and speed["float32"] == 1.0
    psnr = {r["status"]: float(r["value"]) for r in rows if r["section"] == "psnr"}
    assert set(psnr) == {"float32", "bf16"} and all(math.isfinite(v) for v in psnr.values())

    stamp = rows[0]
    assert stamp["torch"] == torch.__version__ and stamp["img_size"] == "32" and len(stamp["commit"]) >= 7


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks what happens without a GPU")
def test_without_a_gpu_it_says_so_in_one_line_and_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "benchmarks/gpu_check.py", "--out", str(tmp_path / "gpu.csv")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no CUDA GPU" in done.stderr
    assert not (tmp_path / "gpu.csv").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_the_methods_train_and_evaluate_on_cuda(tmp_path):
    rows = check(tmp_path, "cuda")
    assert all(r["status"] == "ok" for r in rows if r["section"] == "method")
    assert rows[0]["cuda"] != "none"


def test_a_checkpoint_written_on_a_gpu_loads_on_a_cpu(tmp_path, monkeypatch):
    """A CUDA process's file names each tensor's device (``cuda:0``); reading it must map them to the
    CPU, or it fails on a machine without a GPU."""
    profile = get_profile("smoke")
    model = build_model(profile)
    path = tmp_path / "seed0.pt"
    with monkeypatch.context() as patched:  # tag every tensor as torch does on CUDA
        patched.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
        torch.save({"format": checkpoints.FORMAT, "state_dict": model.state_dict(), "run_id": "mri/mc/seed0"}, path)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)  # what a plain load does here
    loaded = checkpoints.read(path)
    assert all(t.device.type == "cpu" for t in loaded["state_dict"].values())
    fresh = build_model(profile)
    fresh.load_state_dict(loaded["state_dict"])
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))


def test_the_adversarial_real_measurements_are_shuffled_on_the_cpu_on_any_device(monkeypatch):
    """A ``DataLoader`` samples with ``torch.randperm``, which takes only a CPU generator: the
    unpaired stream must be asked for one on the CPU even when the run is on a GPU."""
    asked: dict[str, str] = {}
    real = streams.generator

    def recording(seed, purpose, device="cpu"):
        asked[purpose] = torch.device(device).type
        return real(seed, purpose, "cpu")  # no GPU here: hand out a CPU generator whatever was asked

    monkeypatch.setattr(streams, "generator", recording)
    scenario = get_scenario("mri")
    monkeypatch.setattr(Setup, "mask_generator", lambda self, purpose: scenario.mask_generator(
        32, "cpu", self.generator(purpose)))
    monkeypatch.setattr(Setup, "new_physics", lambda self: scenario.physics(32, device="cpu"))
    monkeypatch.setattr(adversarial, "MOAdversarialDiscriminatorLoss", lambda *args, **kwargs: None)  # allocates on the device
    y = torch.zeros(4, 2, 32, 32)
    split = MeasuredSplit(y, {"mask": torch.ones(4, 2, 32, 32)}, torch.full_like(y, float("nan")), list("abcd"))
    setup = Setup(scenario=scenario, img_size=32, device=torch.device("cuda"), seed=0,
                  physics_generator=scenario.mask_generator(32, "cpu", real(0, streams.LOSS_OPERATORS)),
                  rng=real(0, streams.METHOD), unpaired=MeasurementDataset(split, with_ground_truth=False))
    adversarial.discriminator(setup)
    assert asked[streams.UNPAIRED] == "cpu"
    assert asked[streams.ADVERSARIAL_OPERATORS] == "cuda"  # mask draws stay on the run's device
