"""What makes a training step cheaper without changing any method: ratios taken side by side.

    .venv/bin/python benchmarks/step_cost.py [--repeats 20] [--threads 1]

1. Multi-coil MoDL's conjugate-gradient data step, as the standard profile builds it (ending on
   the prox in multi-coil): how many iterations DeepInverse's CG really takes at the profile's
   size (tolerance 1e-4, at most 50), and the step time with the cap lowered to 20 and 10
   against today's 50, with how far the network's output moves (PSNR of the capped output
   against the uncapped one, same weights and input: a proxy, not a trained result).
2. Data loading: a DataLoader over the cached measurements (as the Trainer uses) against
   slicing the same tensors, per batch.

Each pair is timed interleaved in one process, in rotating order, so a busy machine slows
both alike; the ratio is what to read, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import torch

from pipeline.data import DatasetSpec
from pipeline.measurements import MeasurementDataset, load_measurements
from pipeline.model import build_model
from pipeline.profiles import PROFILES
from pipeline.scenarios import SCENARIOS

PROFILE = PROFILES["standard"]


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


def step_seconds(model, physics, y) -> float:
    start = time.perf_counter()
    x_net = model(y, physics)
    (physics.A(x_net) - y).abs().pow(2).mean().backward()  # an MC step's cost
    return time.perf_counter() - start


def cg_caps(cache: Path, repeats: int) -> list[str]:
    physics, y, x = multicoil_batch(cache)
    torch.manual_seed(0)
    model = build_model(PROFILE, multicoil=True)
    counts: list[int] = []
    with counted_cg(counts), torch.no_grad():
        reference = model(y, physics)
    lines = [f"CG iterations per solve at {PROFILE.img_size}² (untrained MoDL ending on {model.final_step}, tol 1e-4, cap 50): "
             f"min {min(counts)}, median {statistics.median(counts)}, max {max(counts)} over {len(counts)} solves"]
    times: dict[int, list[float]] = {cap: [] for cap in (50, 20, 10)}
    caps = list(times)
    for k in range(repeats):
        for cap in caps[k % 3:] + caps[:k % 3]:  # rotate the order: no cap is always timed first
            physics.max_iter = cap
            times[cap].append(step_seconds(model, physics, y))
    physics.max_iter = 50
    for cap in (20, 10):
        physics.max_iter = cap
        with torch.no_grad():
            out = model(y, physics)
        physics.max_iter = 50
        error = float((out - reference).pow(2).mean())
        peak = float(reference.pow(2).sum(1).sqrt().max())
        moved = 10 * torch.log10(torch.tensor(peak**2 / max(error, 1e-30))).item()
        ratio = statistics.median(times[cap]) / statistics.median(times[50])
        lines.append(f"CG cap {cap} vs 50: step time ratio {ratio:.2f} (median of {repeats}); output moved by "
                     f"PSNR {moved:.1f} dB against the uncapped output")
    return lines


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
    for line in cg_caps(args.cache_dir, args.repeats) + loading(args.cache_dir, args.repeats):
        print(line)


if __name__ == "__main__":
    main()
