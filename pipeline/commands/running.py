"""Commands that list or do runs: list, grid, run, benchmark, reproduce, evaluate. Their handlers
import the grid and the training stack when they run (``pipeline.commands.options`` says why)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from pipeline.base.errors import UsageError
from pipeline.setting.profiles import PROFILES
from pipeline.commands.options import (Command, add_grid_options, add_profile_option, add_run_options, execution,
                                       grid_request)


def list_arguments(p: argparse.ArgumentParser) -> None:
    add_profile_option(p)


def grid_arguments(p: argparse.ArgumentParser) -> None:
    add_grid_options(p)
    p.add_argument("--pending", action="store_true", help="only runs not yet finished with the current config")


def print_list(args) -> int:
    from pipeline.grid.plan import grid_table

    print(grid_table(args.profile))
    return 0


def print_grid(args) -> int:
    from pipeline.grid.plan import requested_specs
    from pipeline.run.results import pending_runs

    specs = requested_specs(grid_request(args))
    for spec in pending_runs(specs, args.results_dir) if args.pending else specs:
        print(spec.run_id)
    return 0


def run_arguments(p: argparse.ArgumentParser) -> None:
    add_grid_options(p, seeds=False)
    p.add_argument("--scenario", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p)


def run_the_run(args) -> int:
    from pipeline.grid.executor import run_one
    from pipeline.grid.plan import run_spec

    run_one(run_spec(grid_request(args), args.scenario, args.method, args.seed), args.results_dir, execution(args))
    return 0


def benchmark_arguments(p: argparse.ArgumentParser) -> None:
    add_grid_options(p)
    add_run_options(p)
    p.add_argument("--executor", default="inline", choices=["inline", "slurm", "local"],
                   help="inline: one run after another in this process (default); slurm: a Slurm job array "
                        "through submitit; local: submitit's local executor (one subprocess per run)")
    p.add_argument("--partition", default=None, help="Slurm partition (--executor slurm)")
    p.add_argument("--account", default=None, help="Slurm account to charge, where the cluster wants one")
    p.add_argument("--gpus-per-run", type=int, default=0, help="GPUs per Slurm task (paper profile: 1)")
    p.add_argument("--cpus-per-run", type=int, default=4)
    p.add_argument("--time", type=int, default=240, help="time limit per run, minutes")
    p.add_argument("--max-parallel", type=int, default=None, help="at most this many runs at once")
    p.add_argument("--log-dir", type=Path, default=Path("logs/submitit"), help="job files and logs")


def reproduce_arguments(p: argparse.ArgumentParser) -> None:
    add_grid_options(p)
    add_run_options(p)  # `make weights`: the weights of runs that reproduced, to ship
    p.add_argument("--scratch-dir", type=Path, default=Path("build/reproduce"),
                   help="where the runs are done again (the committed results are never touched)")
    p.add_argument("--record", type=Path, default=None,
                   help="keep each comparison as a row of this CSV (the committed proof: RESULTS/PROFILE/reproduced.csv)")
    p.add_argument("--replace", action="store_true",
                   help="put each re-run made on the pinned kernels in place of the committed run it does not reproduce")


def run_benchmark(args) -> int:
    from pipeline.grid.executor import benchmark

    return benchmark(grid_request(args), execution(args))


def run_reproduce(args) -> int:
    from pipeline.grid import reproduce
    from pipeline.grid.executor import benchmark

    if args.scratch_dir.resolve() == args.results_dir.resolve():
        raise UsageError("--scratch-dir must differ from --results-dir: the committed results are compared, never rewritten")
    request, how = grid_request(args), execution(args)
    longer = getattr(PROFILES.get(args.profile), "stopped_from", None)
    if args.replace and longer is not None:
        raise UsageError(f"--replace needs the runs themselves: profile {args.profile} is read off {longer}'s "
                         f"runs; pass --profile {longer}")
    specs = reproduce.committed_runs(request)
    if how.threads is None:
        how = replace(how, threads=reproduce.committed_threads(specs, args.results_dir))
        print(f"re-running {len(specs)} run(s) with {how.threads} torch thread(s), as the committed runs were made",
              file=sys.stderr)
    code = benchmark(reproduce.again(request, specs, args.scratch_dir), how)
    if code != 0:
        return code
    comparisons = [reproduce.compare(spec, args.results_dir, args.scratch_dir) for spec in specs]
    for comparison in comparisons:
        print(comparison.line(), file=sys.stderr)
    if args.record is not None:
        reproduce.record(comparisons, args.record)
    print(reproduce.summary(comparisons))
    if args.replace:
        replaced = reproduce.replace_differing(comparisons, args.results_dir, args.scratch_dir)
        print(f"replaced {len(replaced)} committed run(s) by their re-runs on the pinned kernels"
              f"{': ' + ', '.join(replaced) if replaced else ''}; run `make collect` to write the tables again",
              file=sys.stderr)
    return 0 if all(c.identical for c in comparisons) else 1


def evaluate_arguments(p: argparse.ArgumentParser) -> None:
    add_grid_options(p, seeds=False)
    p.add_argument("--checkpoint", type=Path, required=True, help="weights written by --keep-weights")
    p.add_argument("--scenario", required=True)
    p.add_argument("--method", default=None, help="the method whose model the weights belong to "
                                                  "(default: the checkpoint's own)")
    p.add_argument("--seed", type=int, default=0, help="which measurements (and test split draws) to use")
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1, ...")


def run_evaluate(args) -> int:
    from pipeline.grid.plan import run_spec
    from pipeline.run.checkpoints import read
    from pipeline.run.execute import evaluate_checkpoint
    from pipeline.run.spec import read_run
    from pipeline.setting.model import pick_device

    method = args.method or read(args.checkpoint).get("config", {}).get("method", {}).get("name")
    if not method:
        raise UsageError(f"checkpoint {args.checkpoint} does not name its method: pass --method")
    spec = run_spec(grid_request(args), args.scenario, method, args.seed)
    folder = evaluate_checkpoint(spec, args.checkpoint, args.results_dir, args.cache_dir, pick_device(args.device))
    record = read_run(folder)
    print(f"{spec.run_id} from {args.checkpoint}: PSNR {record['psnr']:.2f} dB, SSIM {record['ssim']:.4f}, "
          f"{folder}", file=sys.stderr)
    return 0


LIST = Command("list", "print the (scenario, method) grid of a profile", list_arguments, print_list)
GRID = Command("grid", "print run ids of the grid, one per line (used by the Makefile)", grid_arguments, print_grid,
               reads_only=("results_dir",))
RUN = Command("run", "train and evaluate one (scenario, method, seed)", run_arguments, run_the_run)
BENCHMARK = Command("benchmark", "run every unfinished run of the grid (here, or as Slurm jobs), then collect",
                    benchmark_arguments, run_benchmark)
REPRODUCE = Command("reproduce", "re-run the committed runs of a grid into a scratch folder and compare them "
                    "image by image", reproduce_arguments, run_reproduce)
EVALUATE = Command("evaluate", "evaluate saved weights on a scenario, without training", evaluate_arguments,
                   run_evaluate)
