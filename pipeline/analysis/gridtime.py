"""How long a profile's grid takes, from the measured seconds of its runs.

A grid spans sessions and machines, so no single stopwatch covers it; every run records its own
training and evaluation seconds instead (``runs.csv``). Replaying those in the grid's order on
``jobs`` slots, each run starting on the first slot that frees up (what ``make -jJOBS`` does with
independent targets), gives the wall time on a machine with that many cores, one torch thread per
run. It assumes a run takes as long there as it did here; runs sharing memory bandwidth on a
larger machine may each be somewhat slower.
"""

from __future__ import annotations

import heapq

import pandas as pd

from pipeline.analysis.leaderboard import Profile

JOBS = (2, 4, 8, 16)


def wall_hours(seconds: list[float], jobs: int) -> float:
    """Hours until the last of ``seconds`` (tasks in start order) ends on ``jobs`` slots."""
    slots = [0.0] * jobs
    for s in seconds:
        heapq.heappush(slots, heapq.heappop(slots) + s)
    return max(slots) / 3600


def hours_per_seed(seconds: pd.Series, methods: pd.Series | list[pd.Series]) -> float:
    """Run-hours of one seed: each method's mean ``seconds`` (one per run) over the seeds it has,
    summed over the methods (``methods``: the keys of a method, per run). A seed that only some
    methods have run yet (a grid in progress) does not pull it down."""
    return float(seconds.groupby(methods).mean().sum() / 3600) if len(seconds) else float("nan")


def report(profile: Profile, jobs: tuple[int, ...] = JOBS) -> str:
    """Run-hours per scenario and seed, and the whole grid's wall time for each number of jobs."""
    runs = profile.runs
    seconds = runs.train_seconds + runs.eval_seconds
    seeds = runs.seed.nunique()
    per_scenario = ", ".join(f"{s} {hours_per_seed(seconds[runs.scenario == s], runs.method):.1f}" for s in profile.scenarios)
    walls = ", ".join(f"JOBS={j}: {wall_hours(list(seconds), j):.1f} h" for j in jobs)
    return (f"Grid time, profile {profile.name} ({len(runs)} runs in the tables, {seeds} seed{'' if seeds == 1 else 's'}; training and "
            f"evaluation seconds as each run measured them, one thread per run: a run beside other work is slower)\n"
            f"  run-hours per seed: {per_scenario}; all: {hours_per_seed(seconds, [runs.scenario, runs.method]):.1f}\n"
            f"  wall time of these runs in grid order, one run per job: {walls}")
