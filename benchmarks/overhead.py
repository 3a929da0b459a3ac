"""``make perf``: what the pipeline costs on top of DeepInverse, measured side by side in one process.

1. Training step: our run's training (``pipeline.run.training.train``: deepinv's Trainer on the cached
   measurements) against a bare loop over the same model, data, physics and losses. The two are
   interleaved over several repeats, so drift of the machine hits both alike; the ratio of their
   medians is reported (goal ≤ 1.05).
2. Measurement cache: loading a scenario's measurements cold (images read and measurements
   simulated, in an empty cache folder) and warm (read from the cache), as a share of a whole run.
3. Site: ``python -m pipeline site`` on the committed results, in a fresh process.

Prints a table and writes it to ``results/perf.csv`` (with the date, machine and versions).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

from pipeline.base import provenance
from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.setting.model import build_model
from pipeline.setting.profiles import get_profile
from pipeline.run.spec import RunSpec
from pipeline.run.execute import execute
from pipeline.run.setup import method_setup, seed_everything
from pipeline.run.training import train, train_loader
from pipeline.setting.scenarios import get_scenario

ROOT = Path(__file__).resolve().parent.parent


def bare_training(spec: RunSpec, model, physics, setup, loader, device: torch.device) -> None:
    """The loop a researcher would write by hand: no Trainer, same losses, same optimiser."""
    losses = spec.method.losses(setup)
    for loss in losses:
        model = loss.adapt_model(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.profile.lr)
    # a splitting model draws its split only when told to, as deepinv's Trainer tells it
    draws_split = {"update_parameters": True} if "update_parameters" in inspect.signature(model.forward).parameters else {}
    model.train()
    for _ in range(spec.profile.epochs):
        for batch in loader:
            y = batch["y"].to(device)
            physics.update(**{k: v.to(device) for k, v in batch["params"].items()})
            optimizer.zero_grad()
            x_net = model(y, physics, **draws_split)
            loss = sum(l(x_net=x_net, y=y, x=batch.get("x"), physics=physics, model=model).mean() for l in losses)
            loss.backward()
            optimizer.step()


def step_seconds(spec: RunSpec, data, bare: bool, device: torch.device = torch.device("cpu")) -> float:
    """Seconds per training step of one short training, ours or bare, from the same initial state
    (on a GPU, the queued work is waited for before the clock stops)."""
    seed_everything(spec.seed)
    model = build_model(spec.profile, device)
    physics = spec.scenario.physics(data.img_size, device=device)
    setup = method_setup(spec, data, device)
    loader = train_loader(spec, data.train, device)
    synchronize(device)
    start = time.perf_counter()
    if bare:
        bare_training(spec, model, physics, setup, loader, device)
    else:
        train(spec, model, physics, setup, data.train, device, progress=False)
    synchronize(device)
    return (time.perf_counter() - start) / (len(loader) * spec.profile.epochs)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(spec: RunSpec, data, repeats: int, device: torch.device) -> tuple[float, float]:
    """Median seconds per step of our training and of the bare loop, alternated ``repeats`` times
    after one warm-up (first-call allocations, lazy imports, cuDNN's choices)."""
    step_seconds(spec, data, True, device)
    ours, bare = [], []
    for _ in range(repeats):
        ours.append(step_seconds(spec, data, False, device))
        bare.append(step_seconds(spec, data, True, device))
    return statistics.median(ours), statistics.median(bare)


def trainer_overhead(profile_name: str, scenario: str, method: str, epochs: int, repeats: int, cache: Path) -> list[dict]:
    profile = replace(get_profile(profile_name), epochs=epochs)
    spec = RunSpec(profile, get_scenario(scenario), get_method(method, scenario), 0, DatasetSpec.parse("mni", None))
    data = load_measurements(profile, spec.scenario, spec.dataset, 0, cache)
    ours, bare = interleaved(spec, data, repeats, torch.device("cpu"))
    where = f"{profile_name}, {scenario}/{method}, median of {repeats} interleaved trainings of {epochs} epochs"
    return [
        row(f"train step, ours ({method})", ours * 1000, "ms", where),
        row(f"train step, bare deepinv loop ({method})", bare * 1000, "ms", where),
        row(f"ratio ours / bare ({method})", ours / bare, "x", "goal <= 1.05"),
    ]


def cache_cost(profile_name: str, scenario: str, results: Path) -> list[dict]:
    profile = get_profile(profile_name)
    dataset = DatasetSpec.parse("mni", None)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        start = time.perf_counter()
        load_measurements(profile, get_scenario(scenario), dataset, 0, cache)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        load_measurements(profile, get_scenario(scenario), dataset, 0, cache)
        warm = time.perf_counter() - start
        spec = RunSpec(profile, get_scenario(scenario), get_method("mc", scenario), 0, dataset)
        start = time.perf_counter()
        execute(spec, results, cache, torch.device("cpu"), progress=False)  # a whole run, warm cache
        run = time.perf_counter() - start
    where = f"{profile_name}, {scenario}"
    return [
        row("measurements, cold cache", cold, "s", where + ": images read, measurements simulated and written"),
        row("measurements, warm cache", warm, "s", where + ": read from the cache"),
        row("whole run of mc (warm cache)", run, "s", where),
        row("warm cache load / whole run", warm / run, "x", "share of a run spent loading its measurements"),
    ]


def site_time(results: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline", "site", "--results-dir", str(results), "--out", tmp],
                       cwd=ROOT, check=True, capture_output=True)
        seconds = time.perf_counter() - start
    return [row("site from committed results", seconds, "s", f"python -m pipeline site on {shown(results)}/, new process")]


def shown(path: Path) -> str:
    """The path as recorded in the table: relative to the project, never a machine's own folders."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else f"<outside the project>/{path.name}"


def row(measure: str, value: float, unit: str, note: str) -> dict:
    return {"measure": measure, "value": round(value, 4), "unit": unit, "note": note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--scenario", default="mri")
    parser.add_argument("--methods", default="mc,ei")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--results-dir", type=Path, default=ROOT / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "perf.csv")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for method in args.methods.split(","):
            rows += trainer_overhead(args.profile, args.scenario, method, args.epochs, args.repeats, cache)
        rows += cache_cost(args.profile, args.scenario, Path(scratch) / "results")
    rows += site_time(args.results_dir)

    stamp = {"date": datetime.now(timezone.utc).date().isoformat(), "machine": machine(),
             "threads": torch.get_num_threads(), "torch": torch.__version__,
             "deepinv": provenance.versions()["deepinv"]}
    rows = [{**r, **stamp} for r in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    width = max(len(r["measure"]) for r in rows)
    print(f"{stamp['date']}, {stamp['machine']}, {stamp['threads']} torch threads")
    for r in rows:
        print(f"{r['measure']:<{width}}  {r['value']:>10.4g} {r['unit']:<3} {r['note']}")
    print(f"written to {args.out}")


def machine() -> str:
    return f"{provenance.device_name(torch.device('cpu'))}, {os.cpu_count()} cores, {platform.system()}"


if __name__ == "__main__":
    main()
