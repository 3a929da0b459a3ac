"""``make gpu-check``: every method of every scenario on the ``paper`` profile, on a GPU, in one process.

A GPU user is who the ``paper`` profile is for; this check makes sure their first run is not
the first time the code runs on CUDA. On synthetic fastMRI brain multicoil files in the real
HDF5 layout (``tests/fastmri_files.py``, 10 volumes: 8 training slices, 2 test slices), for each
(scenario, method) of the grid it

1. does the real run (``pipeline.run.execute.execute``: measurements cached, learning curve, training,
   evaluation, record) for one epoch on the device, into a scratch folder: its status (ok,
   diverged, or the error's first line), training and evaluation seconds, peak GPU memory;
2. times ``--epochs`` more epochs of training from the same state (the first epoch warmed the
   caches and cuDNN's choices): seconds per step.

Then, side by side in one process as ``benchmarks/overhead.py`` does on a CPU, it times our
training step against a bare DeepInverse loop for mc, ei, mo-ei and ssdu (``mri``), and each speed
option of ``pipeline.setting.speed`` against plain float32 (mc, ``mri``), with the PSNR that bf16 reaches
after a fixed number of steps beside float32's over three seeds. Everything goes to
``results/gpu.csv`` (one row per measure, with the device, torch, CUDA and the commit).

Without a GPU it says so in one line and exits 2; ``--device cpu --size 32`` runs the same logic
on a CPU (the test suite does, with the ``smoke`` profile's small UNet: the paper's takes seconds
per step on a CPU even at 32²).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, the tests' fastMRI writer

from benchmarks.overhead import interleaved, step_seconds, synchronize  # noqa: E402
from pipeline.base import provenance  # noqa: E402
from pipeline.setting.data import DatasetSpec  # noqa: E402
from pipeline.grid.plan import pairs  # noqa: E402
from pipeline.setting.measurements import load_measurements  # noqa: E402
from pipeline.methods import get_method  # noqa: E402
from pipeline.setting.profiles import get_profile  # noqa: E402
from pipeline.run.spec import RunSpec, read_run
from pipeline.run.execute import execute  # noqa: E402
from pipeline.setting.scenarios import get_scenario  # noqa: E402
from pipeline.setting.speed import OPTIONS  # noqa: E402
from tests.fastmri_files import write_folder  # noqa: E402

VOLUMES = 10  # SSIBench's 80/20 split: 8 training slices (2 steps of 4), 2 test slices
OVERHEAD_METHODS = ("mc", "ei", "mo-ei", "ssdu")
COLUMNS = ["section", "scenario", "method", "status", "seconds_per_step", "peak_memory_mb", "train_seconds",
           "eval_seconds", "value", "unit", "note"]


def check_methods(profile, data_dir: Path, scratch: Path, device: torch.device, timed_epochs: int,
                  only: list[str] | None) -> list[dict]:
    """One row per (scenario, method): the real run's status and costs, then its seconds per step."""
    rows = []
    dataset = DatasetSpec.parse("fastmri", str(data_dir))
    grid = pairs(None, only)
    for k, (scenario, method) in enumerate(grid, 1):
        spec = RunSpec(profile, get_scenario(scenario), get_method(method, scenario), 0, dataset)
        row = {"section": "method", "scenario": scenario, "method": method}
        try:
            folder, _ = execute(spec, scratch / "results", scratch / "cache", device, progress=False)
            record = read_run(folder)
            row.update(status=record["status"], peak_memory_mb=record.get("peak_memory_mb", ""),
                       train_seconds=record.get("train_seconds", ""), eval_seconds=record.get("eval_seconds", ""),
                       note=record.get("failure", ""))
            if spec.method.losses is not None and record["status"] == "ok":
                timed = replace(spec, profile=replace(profile, epochs=timed_epochs))
                data = load_measurements(profile, spec.scenario, dataset, 0, scratch / "cache")
                row["seconds_per_step"] = round(step_seconds(timed, data, False, device), 5)
        except Exception as error:  # noqa: BLE001 - every failure is a row of the report, not the end of it
            row.update(status="error", note=f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        print(f"[{k}/{len(grid)}] {scenario}/{method}: {row['status']} {row.get('seconds_per_step', '')} {row['note']}",
              flush=True)
        rows.append(row)
    return rows


def check_overhead(profile, data_dir: Path, scratch: Path, device: torch.device, repeats: int) -> list[dict]:
    """Our training step against a bare DeepInverse loop, interleaved, per method (``mri``)."""
    rows = []
    dataset = DatasetSpec.parse("fastmri", str(data_dir))
    for method in OVERHEAD_METHODS:
        spec = RunSpec(profile, get_scenario("mri"), get_method(method, "mri"), 0, dataset)
        data = load_measurements(profile, spec.scenario, dataset, 0, scratch / "cache")
        ours, bare = interleaved(spec, data, repeats, device)
        rows.append({"section": "overhead", "scenario": "mri", "method": method, "status": "ok",
                     "seconds_per_step": round(ours, 5), "value": round(ours / bare, 4), "unit": "x",
                     "note": f"ours / bare DeepInverse loop ({bare * 1000:.2f} ms per step), median of {repeats} "
                             "interleaved trainings"})
    return rows


def check_speed(profile, data_dir: Path, scratch: Path, device: torch.device, repeats: int, psnr_epochs: int) -> list[dict]:
    """Each speed option against plain float32 (mc, ``mri``): seconds per step side by side, and
    bf16's PSNR after ``psnr_epochs`` epochs beside float32's over seeds 0-2."""
    dataset = DatasetSpec.parse("fastmri", str(data_dir))
    spec = RunSpec(profile, get_scenario("mri"), get_method("mc", "mri"), 0, dataset)
    data = load_measurements(profile, spec.scenario, dataset, 0, scratch / "cache")
    variants = {"float32": spec, **{o: replace(spec, profile=replace(profile, speed=(o,))) for o in OPTIONS}}
    for variant in variants.values():  # warm-up of each: cuDNN's search, autocast's caches
        step_seconds(variant, data, False, device)
    times = {name: [] for name in variants}
    for _ in range(repeats):
        for name, variant in variants.items():
            times[name].append(step_seconds(variant, data, False, device))
    base = statistics.median(times["float32"])
    rows = [{"section": "speed", "scenario": "mri", "method": "mc", "status": name,
             "seconds_per_step": round(statistics.median(t), 5), "value": round(statistics.median(t) / base, 4),
             "unit": "x", "note": f"seconds per step / float32's, median of {repeats} interleaved trainings"}
            for name, t in times.items()]
    for name in ("float32", "bf16"):
        psnrs = []
        for seed in (0, 1, 2):
            run = replace(variants[name], seed=seed, profile=replace(variants[name].profile, epochs=psnr_epochs))
            folder, _ = execute(run, scratch / "speed-results", scratch / "cache", device, progress=False)
            psnrs.append(psnr_of(folder))
        rows.append({"section": "psnr", "scenario": "mri", "method": "mc", "status": name,
                     "value": round(statistics.mean(psnrs), 3), "unit": "dB",
                     "note": f"mean test PSNR after {psnr_epochs} epochs, seeds 0-2: "
                             + ", ".join(f"{p:.3f}" for p in psnrs)})
    return rows


def psnr_of(folder: Path) -> float:
    with open(folder / "per_image.csv") as f:
        return statistics.mean(float(r["psnr"]) for r in csv.DictReader(f))


def stamp(device: torch.device, size: int) -> dict:
    return {"date": datetime.now(timezone.utc).date().isoformat(), "device_name": provenance.device_name(device),
            "torch": torch.__version__, "cuda": torch.version.cuda or "none",
            "deepinv": provenance.versions()["deepinv"], "commit": provenance.git_commit(), "img_size": size}


def write(rows: list[dict], out: Path, extra: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS + list(extra))
        writer.writeheader()
        writer.writerows({**{c: "" for c in COLUMNS}, **r, **extra} for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu for the logic alone")
    parser.add_argument("--size", type=int, default=320, help="image size (the paper's 320; 32 on a CPU)")
    parser.add_argument("--profile", default="paper", help="the profile whose model and training are checked "
                                                          "(default paper; the test suite's CPU mode uses smoke)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per method after the checked one")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved trainings per side of a ratio")
    parser.add_argument("--psnr-epochs", type=int, default=25, help="epochs before the bf16/float32 PSNR comparison")
    parser.add_argument("--methods", default=None, help="comma-separated subset of methods (default: all)")
    parser.add_argument("--skip", default="", help="sections to leave out, comma-separated: overhead, speed")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "gpu.csv")
    args = parser.parse_args(argv)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(f"gpu-check: no CUDA GPU visible to torch {torch.__version__} here; run it on a GPU machine, "
              "or `python benchmarks/gpu_check.py --device cpu --size 32` for its logic alone", file=sys.stderr)
        return 2
    profile = replace(get_profile(args.profile), img_size=args.size, epochs=1, curve_points=1, n_gallery=1)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        scratch = Path(tmp)
        write_folder(scratch / "fastmri", n_volumes=VOLUMES)
        only = args.methods.split(",") if args.methods else None
        rows = check_methods(profile, scratch / "fastmri", scratch, device, args.epochs, only)
        if "overhead" not in skip:
            rows += check_overhead(replace(profile, epochs=args.epochs), scratch / "fastmri", scratch, device, args.repeats)
        if "speed" not in skip:
            rows += check_speed(replace(profile, epochs=args.epochs), scratch / "fastmri", scratch, device,
                                args.repeats, args.psnr_epochs)
    synchronize(device)
    write(rows, args.out, stamp(device, args.size))
    failed = [f"{r['scenario']}/{r['method']}" for r in rows if r["section"] == "method" and r["status"] != "ok"]
    print(f"gpu-check: {len(rows)} rows in {time.perf_counter() - start:.0f} s on {provenance.device_name(device)} "
          f"-> {args.out}" + (f"; not ok: {', '.join(failed)}" if failed else "; every method ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
