"""Threads per run against runs in parallel: how the grid should use a machine's cores.

    .venv/bin/python benchmarks/parallel.py [--cores 2] [--epochs 2] [--repeats 3]

The grid runs ``JOBS`` runs at a time and gives each ``cores / JOBS`` torch threads. On ``cores``
cores this times the two ends of that choice on the same pair of real runs (``python -m
pipeline run``, of ``--profile``, shortened to ``--epochs``, into throw-away folders):

- *threads*: the runs one after the other, each with ``cores`` threads (``JOBS=1``);
- *parallel*: the runs at the same time, ``cores`` of them, one thread each (``JOBS=cores``).

Both are whole processes (start-up, measurement cache, training, evaluation), alternated over
``--repeats`` rounds; the ratio of the medians of their wall times is what to read. It needs the
machine to itself: any other load (a grid) changes the two unequally.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# a cheap pair and a costly pair: single-coil and multi-coil MoDL
PAIRS = {"mri": ("mc", "ei"), "multicoil": ("mc", "ssdu")}


def command(profile: str, scenario: str, method: str, threads: int, epochs: int, results: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--profile", profile, "--epochs", str(epochs),
            "--scenario", scenario, "--method", method, "--threads", str(threads), "--quiet",
            "--results-dir", str(results), "--cache-dir", str(cache)]


def wall(commands: list[list[str]], together: bool) -> float:
    """Seconds to run the commands, all at once or one after the other; fails loudly if one fails."""
    start = time.perf_counter()
    if together:
        logs = [tempfile.TemporaryFile() for _ in commands]  # files, not pipes: no child ever waits on a full pipe
        processes = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log) for c, log in zip(commands, logs)]
        failed = [log.seek(0) or log.read().decode() for p, log in zip(processes, logs) if p.wait() != 0]
    else:
        failed = [r.stderr.decode() for r in (subprocess.run(c, cwd=ROOT, capture_output=True) for c in commands)
                  if r.returncode != 0]
    if failed:
        sys.exit(f"a run failed: {failed[0].strip().splitlines()[-1]}")
    return time.perf_counter() - start


def compare(profile: str, scenario: str, cores: int, epochs: int, repeats: int, cache: Path) -> str:
    methods = (PAIRS[scenario] * cores)[:cores]
    times: dict[str, list[float]] = {"threads": [], "parallel": []}
    for k in range(repeats):
        for mode in (("threads", "parallel") if k % 2 == 0 else ("parallel", "threads")):
            with tempfile.TemporaryDirectory() as results:
                threads = cores if mode == "threads" else 1
                commands = [command(profile, scenario, m, threads, epochs, Path(results) / str(i), cache)
                            for i, m in enumerate(methods)]
                times[mode].append(wall(commands, together=mode == "parallel"))
    threads, parallel = (statistics.median(times[m]) for m in ("threads", "parallel"))
    return (f"{scenario} ({', '.join(methods)}; {epochs} epochs): {cores} threads one run at a time "
            f"{threads:.1f} s, {cores} runs at a time with 1 thread {parallel:.1f} s; "
            f"parallel / threads = {parallel / threads:.2f} (medians of {repeats})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(PAIRS), help=f"comma-separated, of {', '.join(PAIRS)}")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".cache")
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    for scenario in scenarios:
        if scenario not in PAIRS:
            sys.exit(f"unknown scenario {scenario!r}: use one of {', '.join(PAIRS)}")
    for scenario in scenarios:
        print(compare(args.profile, scenario, args.cores, args.epochs, args.repeats, args.cache_dir), flush=True)


if __name__ == "__main__":
    main()
