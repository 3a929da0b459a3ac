"""What makes a training step cheaper without changing any method: ratios taken side by side.

    .venv/bin/python benchmarks/step_cost.py [--repeats 20] [--threads 1]

1. Multi-coil MoDL's conjugate-gradient data step, as the headline profile builds it,
   differentiated two ways: DeepInverse's implicit backward (its
   default, a second CG solve per step for the incoming gradient) and autograd through the
   forward iterations (the project's choice, ``pipeline.setting.model.autograd_data_steps``). For each: how
   many iterations every solve takes (tolerance 1e-4, at most 50), how far the parameter
   gradient is from autograd's (also with the loss scaled by 1e4: the implicit backward's CG
   has an absolute eps that stalls it at a gradient's scale), and the step time ratio.
2. Data loading: a DataLoader over the cached measurements (as the Trainer uses) against
   slicing the same tensors, per batch.

Each pair is timed interleaved in one process, in rotating order, so a busy machine slows
both alike; the ratio is what to read, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import torch

import pipeline.setting.model
from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import MeasurementDataset, load_measurements
from pipeline.setting.model import build_model
from pipeline.setting.profiles import HEADLINE, PROFILES
from pipeline.setting.scenarios import SCENARIOS

PROFILE = PROFILES[HEADLINE]


@contextmanager
def counted_cg(counts: list[int]):
    """Count the iterations of every CG solve (DeepInverse stops at tolerance or its cap)."""
    import importlib

    module = importlib.import_module("deepinv.optim.linear.least_squares")  # where the solver is called

    original = module.conjugate_gradient

    def counting(A, b, max_iter=100, tol=1e-5, *args, **kwargs):
        calls = [0]

        def counted_A(x):
            calls[0] += 1
            return A(x)

        out = original(counted_A, b, max_iter, tol, *args, **kwargs)
        counts.append(calls[0] - 1)  # one product computes the initial residual
        return out

    module.conjugate_gradient = counting
    try:
        yield
    finally:
        module.conjugate_gradient = original


def multicoil_batch(cache: Path):
    scenario = SCENARIOS["multicoil"]
    data = load_measurements(PROFILE, scenario, DatasetSpec("mni"), 0, cache)
    physics = scenario.physics(PROFILE.img_size)
    index = slice(0, PROFILE.batch_size)
    physics.update(**data.train.params_of(index))
    return physics, data.train.y[index], data.train.x[index]


def mc_step(model, physics, y, scale: float = 1.0) -> float:
    """One MC step's forward and backward (gradients accumulate in the model); returns its seconds."""
    start = time.perf_counter()
    x_net = model(y, physics)
    ((physics.A(x_net) - y).abs().pow(2).mean() * scale).backward()
    return time.perf_counter() - start


@contextmanager
def backward(implicit: bool):
    """The model as the project builds it (autograd through the solves), or with DeepInverse's
    default implicit backward: ``pipeline.setting.model``'s switch turned off for the duration."""
    if not implicit:
        yield
        return
    original = pipeline.setting.model.autograd_data_steps
    pipeline.setting.model.autograd_data_steps = lambda physics: nullcontext()
    try:
        yield
    finally:
        pipeline.setting.model.autograd_data_steps = original


def gradient(model, physics, y, implicit: bool, scale: float = 1.0) -> tuple[torch.Tensor, list[int]]:
    """The model's parameter gradient of one MC step (divided back by ``scale``) and the CG solves' iterations."""
    model.zero_grad()
    counts: list[int] = []
    with counted_cg(counts), backward(implicit):
        mc_step(model, physics, y, scale)
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]) / scale, counts


def data_step_backward(cache: Path, repeats: int) -> list[str]:
    """DeepInverse's implicit backward of the CG data step against autograd through its iterations."""
    physics, y, _ = multicoil_batch(cache)
    torch.manual_seed(0)
    model = build_model(PROFILE)
    exact, autograd_counts = gradient(model, physics, y, implicit=False)
    implicit, implicit_counts = gradient(model, physics, y, implicit=True)
    scaled, scaled_counts = gradient(model, physics, y, implicit=True, scale=1e4)

    def off(g: torch.Tensor) -> str:
        cosine = float(torch.nn.functional.cosine_similarity(g, exact, dim=0))
        return (f"{float((g - exact).norm() / exact.norm()):.1e} (length ratio {float(g.norm() / exact.norm()):.3f}, "
                f"cosine {cosine:.6f})")

    times: dict[bool, list[float]] = {False: [], True: []}
    for k in range(repeats):
        for implicit_mode in ((False, True) if k % 2 else (True, False)):  # alternate which goes first
            with backward(implicit_mode):
                times[implicit_mode].append(mc_step(model, physics, y))
    ratio = statistics.median(times[False]) / statistics.median(times[True])
    return [
        f"CG iterations per solve of one MC step at {PROFILE.img_size}² (untrained MoDL ending on {model.final_step}, "
        f"tol 1e-4, cap 50): autograd {autograd_counts} (forward only); implicit {implicit_counts} "
        f"(forward, then backward); implicit with the loss x 1e4 {scaled_counts}",
        f"parameter gradient's relative distance from autograd's: implicit {off(implicit)}, "
        f"implicit with the loss x 1e4 {off(scaled)}",
        f"step time, autograd / implicit: {ratio:.2f} (median of {repeats}, interleaved)",
    ]


def loading(cache: Path, repeats: int) -> list[str]:
    data = load_measurements(PROFILE, SCENARIOS["mri"], DatasetSpec("mni"), 0, cache)
    dataset = MeasurementDataset(data.train, with_ground_truth=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=PROFILE.batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    times = {"DataLoader": [], "slicing": []}
    for _ in range(repeats):
        start = time.perf_counter()
        for _batch in loader:
            pass
        times["DataLoader"].append(time.perf_counter() - start)
        start = time.perf_counter()
        order = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(0))
        for k in range(0, len(order), PROFILE.batch_size):
            picked = order[k:k + PROFILE.batch_size]
            _ = data.train.y[picked], data.train.params_of(picked)
        times["slicing"].append(time.perf_counter() - start)
    per_batch = {k: statistics.median(v) / (len(data.train) / PROFILE.batch_size) for k, v in times.items()}
    return [f"data loading per batch: DataLoader {1e3 * per_batch['DataLoader']:.2f} ms, slicing "
            f"{1e3 * per_batch['slicing']:.2f} ms (ratio {per_batch['DataLoader'] / per_batch['slicing']:.1f}); "
            "a training step takes hundreds of ms, so loading is not a lever"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the grid runs one per run)")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for line in data_step_backward(args.cache_dir, args.repeats) + loading(args.cache_dir, args.repeats):
        print(line)


if __name__ == "__main__":
    main()
