"""Where one training step's time goes, per loss family, against the UNet's FLOP floor.

    .venv/bin/python benchmarks/step_profile.py [--profile cpu] [--steps 40] [--threads 1]

For one method per family (MC, EI, splitting, adversarial) in ``mri``, the pipeline's own
training (``pipeline.run.training.train``: DeepInverse's Trainer, our losses and hooks) runs ``--steps``
steps under ``torch.profiler``, after as many steps of warm-up. Each step's time is split into:

- the UNet's forward and backward: every UNet call of the step is counted (a forward hook) and
  timed alone, forward and backward, on a batch of the same shape;
- FFTs and masks: the profiler's self time in FFT operators and their backward;
- the rest: the step time less both (MoDL's data step other than its FFTs, the losses'
  arithmetic, DeepInverse's and our harness's Python).

The floor is the UNet's FLOPs per step (``torch.utils.flop_counter``, forward and backward) over
the GFLOP/s this core reaches on a convolution of the UNet's widest layer shape: what the step
would cost if nothing but the UNet's arithmetic ran, at that speed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

import torch
from deepinv.models import UNet
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode

from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.setting.profiles import get_profile
from pipeline.run.spec import RunSpec
from pipeline.run.setup import method_setup, network, training_physics
from pipeline.run.training import train
from pipeline.setting.scenarios import SCENARIOS

FAMILIES = {"MC": "mc", "EI/MOI": "ei", "splitting": "ssdu", "adversarial": "adversarial"}
FFT_OPS = ("fft", "Fft")


def unet_calls(model: torch.nn.Module) -> tuple[list[int], list[torch.Size]]:
    """A counter of the UNet's calls (and their input shapes), through a forward hook."""
    calls: list[int] = [0]
    shapes: list[torch.Size] = []
    unet = next(m for m in model.modules() if isinstance(m, UNet))

    def hook(_module, inputs, _output):
        calls[0] += 1
        shapes.append(inputs[0].shape)

    unet.register_forward_hook(hook)
    return calls, shapes


def timed_training(spec: RunSpec, cache: Path, steps: int) -> dict:
    """Warm up, then train ``steps`` steps under the profiler; seconds per step and its parts."""
    data = load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, cache)
    physics = training_physics(spec, data.img_size, "cpu")
    setup = method_setup(spec, data, torch.device("cpu"))
    model = network(spec, setup, torch.device("cpu"))
    calls, shapes = unet_calls(model)
    warm = replace(spec, profile=replace(spec.profile, epochs=1, steps_per_epoch=steps, curve_points=0))
    model, _ = train(warm, model, physics, setup, data.train, torch.device("cpu"), progress=False)
    calls[0] = 0
    shapes.clear()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        train(warm, model, physics, setup, data.train, torch.device("cpu"), progress=False)
        seconds = (time.perf_counter() - start) / steps
    fft_us = sum(e.self_cpu_time_total for e in prof.key_averages() if any(k in e.key for k in FFT_OPS))
    unet = next(m for m in model.modules() if isinstance(m, UNet))
    return {"step": seconds, "unet_calls": calls[0] / steps, "shape": shapes[0], "fft": fft_us / 1e6 / steps,
            "unet": unet}


def unet_cost(unet: torch.nn.Module, shape: torch.Size, repeats: int) -> tuple[float, float]:
    """Seconds and FLOPs of one UNet forward and backward on a batch of ``shape``."""
    x = torch.randn(shape, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        unet(x).square().mean().backward()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        unet(x).square().mean().backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times), counter.get_total_flops()


def core_gflops(channels: int, size: int, repeats: int) -> float:
    """GFLOP/s of a 3x3 convolution, ``channels`` in and out, batch 4 at ``size``², forward only."""
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
    x = torch.randn(4, channels, size, size)
    flops = 2 * 9 * channels * channels * 4 * size * size
    with torch.no_grad():
        conv(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            conv(x)
            times.append(time.perf_counter() - start)
    return flops / statistics.median(times) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the grid runs one per run)")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    profile_ = get_profile(args.profile)
    widest = profile_.unet_channels[-1] if profile_.unet_channels else 512
    gflops = core_gflops(widest, profile_.img_size // 2 ** (profile_.unet_scales - 1), 20)
    print(f"profile {profile_.name}, {args.threads} thread(s), {args.steps} steps after {args.steps} of warm-up; "
          f"a {widest}-channel 3x3 convolution runs at {gflops:.1f} GFLOP/s on this core")
    print("| family (method) | s/step | UNet fwd+bwd | FFTs | rest | UNet calls | floor (UNet FLOPs / GFLOP/s) | step / floor |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for family, name in FAMILIES.items():
        spec = RunSpec(profile_, SCENARIOS["mri"], get_method(name, "mri"), 0, DatasetSpec("mni"))
        measured = timed_training(spec, args.cache_dir, args.steps)
        one, flops = unet_cost(measured["unet"], measured["shape"], 20)
        unet = one * measured["unet_calls"]
        floor = flops * measured["unet_calls"] / (gflops * 1e9)
        step = measured["step"]
        rest = step - unet - measured["fft"]
        print(f"| {family} ({name}) | {step * 1e3:.0f} ms | {unet * 1e3:.0f} ms ({unet / step:.0%}) | "
              f"{measured['fft'] * 1e3:.0f} ms ({measured['fft'] / step:.0%}) | {rest * 1e3:.0f} ms ({rest / step:.0%}) | "
              f"{measured['unet_calls']:.1f} | {floor * 1e3:.0f} ms | {step / floor:.1f} |")


if __name__ == "__main__":
    main()
