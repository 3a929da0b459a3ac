"""What pinning the CPU kernels to AVX2 costs: the same run, pinned and unpinned, side by side.

    .venv/bin/python benchmarks/pin_cost.py [--profile cpu] [--scenario mri] [--method ssdu] [--epochs 1] [--repeats 3]

Every run pins its CPU kernels to AVX2 (``pipeline.base.kernels``), so that a run gives the same
bits on every x86-64 machine. On a CPU with AVX-512 that forgoes the wider kernels. This times one
real run (``python -m pipeline run``, ``--epochs`` of ``--profile``, one torch thread, into
throw-away folders) pinned and with ``PIPELINE_KERNELS=native``, alternated over ``--repeats``
rounds, one process at a time, and reports each one's training time (the run's own
``train_seconds``), the kernels its record names, and the ratio of the medians. It says whether
the two gave the same per-image numbers: on an AVX2-only CPU they do (nothing to pin), on an
AVX-512 one they do not. It needs the machine to itself: any other load changes the two unequally.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.base import kernels  # noqa: E402  (after the path: the checkout's package)


def one_run(args: argparse.Namespace, pinned: bool, out: Path) -> dict:
    """One run in a new process; its record, with its per-image table's text."""
    env = {k: v for k, v in os.environ.items() if k not in kernels.PIN and k != kernels.SWITCH}
    if not pinned:
        env[kernels.SWITCH] = "native"
    command = [sys.executable, "-m", "pipeline", "run", "--profile", args.profile, "--epochs", str(args.epochs),
               "--scenario", args.scenario, "--method", args.method, "--seed", "0", "--threads", "1", "--quiet",
               "--results-dir", str(out), "--cache-dir", str(args.cache_dir)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"a run failed: {done.stderr.strip().splitlines()[-1]}")
    (folder,) = out.glob(f"{args.profile}/runs/{args.scenario}/{args.method}/seed0")
    record = json.loads((folder / "run.json").read_text())
    return {**record, "per_image_text": (folder / "per_image.csv").read_text()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--scenario", default="mri")
    parser.add_argument("--method", default="ssdu")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".cache")
    args = parser.parse_args()

    runs: dict[bool, list[dict]] = {True: [], False: []}
    for k in range(args.repeats):
        for pinned in ((True, False) if k % 2 == 0 else (False, True)):
            with tempfile.TemporaryDirectory() as out:
                runs[pinned].append(one_run(args, pinned, Path(out)))
    seconds = {pinned: statistics.median(r["train_seconds"] for r in found) for pinned, found in runs.items()}
    label = {pinned: found[0]["kernels"]["label"] for pinned, found in runs.items()}
    same = runs[True][0]["per_image_text"] == runs[False][0]["per_image_text"]
    print(f"{args.scenario}/{args.method} ({args.profile}, {args.epochs} epochs, 1 thread) on "
          f"{runs[True][0]['device_name']}: pinned ({label[True]}) {seconds[True]:.1f} s of training, unpinned "
          f"({label[False]}) {seconds[False]:.1f} s; pinned / unpinned = {seconds[True] / seconds[False]:.2f} "
          f"(medians of {args.repeats}); per-image numbers {'identical' if same else 'differ'}")


if __name__ == "__main__":
    main()
