"""What a command asks of the grid: which runs (``GridRequest``) and how to do them
(``Execution``). Plain records without the training stack, so that the command line can build
them before it loads torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.setting.profiles import HEADLINE

if TYPE_CHECKING:
    from pipeline.grid.cluster import ClusterOptions


@dataclass(frozen=True)
class GridRequest:
    """Which runs, in which results folder: a profile (with its overrides), its data, the user's
    own parts, and a subset of scenarios, methods and seeds (comma-separated, None for all; seeds
    None: those the folder already has, else 0). The defaults are the command line's."""

    profile: str = HEADLINE
    results_dir: Path = Path("results")
    dataset: str | None = None
    data_dir: str | None = None
    epochs: int | None = None
    final_step: str | None = None
    speed: str | None = None
    model: str | None = None
    physics: str | None = None
    metrics: tuple[str, ...] = ()
    scenarios: str | None = None
    methods: str | None = None
    seeds: str | None = None


@dataclass(frozen=True)
class Execution:
    """How runs are done: where, with how many torch threads, what they print, what they keep."""

    cache_dir: Path = Path(".cache")
    device: str = "auto"  # auto (CUDA if present), cpu, cuda, cuda:1, ...
    threads: int | None = None
    progress: bool = True  # progress bars
    quiet: bool = False  # nothing but errors and one line per run (a job's log: one line per curve point unless quiet)
    weights_dir: Path | None = None  # keep the trained weights there
    cluster: ClusterOptions | None = None  # None: one run after another in this process
