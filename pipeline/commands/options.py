"""What the commands share: the ``Command`` record, the option groups several commands take, and
the translation of parsed options into the requests the grid understands.

Nothing here loads torch, and a command module imports the training stack inside the handlers
that need it: ``site``, ``findings``, ``compare``, ``changed-methods`` and every ``--help`` run
with the site's light install (no torch), and start in a fraction of a second."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.grid.request import Execution, GridRequest
from pipeline.setting.profiles import HEADLINE, PROFILES


@dataclass(frozen=True)
class Command:
    """One command of ``python -m pipeline``: its name, its one-line help, the options it takes,
    what it does (returns the exit status), and which folder options it only reads."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]
    reads_only: tuple[str, ...] = ()


def progress_enabled(args: argparse.Namespace) -> bool:
    """Progress bars, unless --quiet, --lines or running under CI (CI=true)."""
    return not args.quiet and not args.lines and os.environ.get("CI", "").lower() not in ("true", "1")


def show_lines(args: argparse.Namespace) -> None:
    """With --lines (and not --quiet): each learning-curve point of a run as one line on stderr,
    instead of progress bars that garble when several runs share a terminal or go to a log."""
    if args.lines and not args.quiet:
        from pipeline.run import curves  # torch: only the commands that train have --lines

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        curves.log.addHandler(handler)
        curves.log.setLevel(logging.INFO)


def add_profile_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default=HEADLINE, help=f"{', '.join(PROFILES)} (default {HEADLINE})")


def add_grid_options(p: argparse.ArgumentParser, seeds: bool = True) -> None:
    add_profile_option(p)
    p.add_argument("--dataset", default=None, help="mni, fastmri or package.module:Dataset (default: the profile's)")
    p.add_argument("--data-dir", default=None, help="folder of fastMRI brain multicoil .h5 files")
    p.add_argument("--epochs", type=int, default=None, help="override the profile's number of epochs")
    p.add_argument("--final-step", default=None, help="override what the network ends on: denoiser, prox "
                                                      "or projection")
    p.add_argument("--speed", default=None, help="GPU speed options, comma-separated: bf16, channels-last, "
                                                 "cudnn-benchmark, pinned-memory (recorded in the config; default none)")
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    p.add_argument("--cache-dir", type=Path, default=Path(".cache"), help="measurement cache (git-ignored)")
    p.add_argument("--model", default=None, help="package.module:factory of a deepinv Reconstructor (replaces MoDL)")
    p.add_argument("--physics", default=None, help="package.module:factory(img_size=, device=) of a deepinv "
                                                   "Physics, or of (Physics, PhysicsGenerator)")
    p.add_argument("--metric", action="append", default=None,
                   help="package.module:Metric, a deepinv Metric computed per test image (repeatable)")
    if seeds:
        p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the seeds the results "
                                                    "folder already has runs of for this profile, else 0)")
        p.add_argument("--scenarios", default=None, help="comma-separated subset of scenarios")
        p.add_argument("--methods", default=None, help="comma-separated subset of methods")
    add_output_options(p)


def add_output_options(p: argparse.ArgumentParser) -> None:
    """How a command that trains reports progress: bars, one line per curve point, or nothing."""
    p.add_argument("--quiet", action="store_true", help="no progress bars (also when CI=true)")
    p.add_argument("--lines", action="store_true", help="instead of progress bars, one line per learning-curve "
                                                        "point of a run (make benchmark's choice for parallel runs)")


def add_run_options(p: argparse.ArgumentParser, weights: bool = True) -> None:
    """Where a command that trains runs: device, threads and (optionally) the weights it keeps."""
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1, ...")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads for each run")
    if weights:
        p.add_argument("--keep-weights", action="store_true", help="keep the trained weights (for `evaluate`)")
        p.add_argument("--weights-dir", type=Path, default=Path("weights"), help="where kept weights go (git-ignored)")


def grid_request(args: argparse.Namespace) -> GridRequest:
    """The runs the grid options name."""
    return GridRequest(
        profile=args.profile, results_dir=args.results_dir, dataset=args.dataset, data_dir=args.data_dir,
        epochs=args.epochs, final_step=args.final_step, speed=args.speed, model=args.model, physics=args.physics,
        metrics=tuple(args.metric or ()), scenarios=getattr(args, "scenarios", None),
        methods=getattr(args, "methods", None), seeds=getattr(args, "seeds", None),
    )


def execution(args: argparse.Namespace) -> Execution:
    """How the run options say runs are done (jobs through submitit with ``--executor``)."""
    kept = args.weights_dir if getattr(args, "keep_weights", False) else None
    return Execution(cache_dir=args.cache_dir, device=getattr(args, "device", "auto"),
                     threads=getattr(args, "threads", None), progress=progress_enabled(args), quiet=args.quiet,
                     weights_dir=kept, cluster=cluster_options(args))


def cluster_options(args: argparse.Namespace):
    """The job options of ``benchmark --executor slurm|local``; None for runs in this process."""
    if getattr(args, "executor", "inline") == "inline":
        return None
    from pipeline.grid.cluster import ClusterOptions  # torch (provenance): only when jobs are submitted

    return ClusterOptions(args.executor, args.log_dir.resolve(), args.partition, args.gpus_per_run,
                          args.cpus_per_run, args.time, args.max_parallel, account=args.account)
