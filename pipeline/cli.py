"""Command line: ``python -m pipeline COMMAND``, with the commands list, grid, run, benchmark,
reproduce, collect, evaluate, contribute, changed-methods, findings, check-terms, compare, site."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.profiles import HEADLINE, PROFILES, QUICK_LOOK


def progress_enabled(args: argparse.Namespace) -> bool:
    """Progress bars, unless --quiet, --lines or running under CI (CI=true)."""
    return not args.quiet and not args.lines and os.environ.get("CI", "").lower() not in ("true", "1")


def show_lines(args: argparse.Namespace) -> None:
    """With --lines (and not --quiet): each learning-curve point of a run as one line on stderr,
    instead of progress bars that garble when several runs share a terminal or go to a log."""
    if args.lines and not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        curves_log = logging.getLogger("pipeline.curves")
        curves_log.addHandler(handler)
        curves_log.setLevel(logging.INFO)


def add_grid_options(p: argparse.ArgumentParser, seeds: bool = True) -> None:
    p.add_argument("--profile", default=HEADLINE, help=f"{', '.join(PROFILES)} (default {HEADLINE})")
    p.add_argument("--dataset", default=None, help="mni, fastmri or package.module:Dataset (default: the profile's)")
    p.add_argument("--data-dir", default=None, help="folder of fastMRI brain multicoil .h5 files")
    p.add_argument("--epochs", type=int, default=None, help="override the profile's number of epochs")
    p.add_argument("--final-step", default=None, help="override what the network ends on: denoiser, prox, "
                                                      "projection or projection-where-exact")
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


def add_weights_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-weights", action="store_true", help="keep the trained weights (for `evaluate`)")
    p.add_argument("--weights-dir", type=Path, default=Path("weights"), help="where kept weights go (git-ignored)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Benchmark of self-supervised losses for accelerated MRI reconstruction.",
    )
    parser.set_defaults(quiet=False, lines=False)  # for the commands that train nothing (no output options)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="print the (scenario, method) grid of a profile")
    p.add_argument("--profile", default=HEADLINE)

    p = sub.add_parser("grid", help="print run ids of the grid, one per line (used by the Makefile)")
    add_grid_options(p)
    p.add_argument("--pending", action="store_true", help="only runs not yet finished with the current config")

    p = sub.add_parser("run", help="train and evaluate one (scenario, method, seed)")
    add_grid_options(p, seeds=False)
    p.add_argument("--scenario", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1, ...")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads for this run")
    add_weights_options(p)

    p = sub.add_parser("benchmark", help="run every unfinished run of the grid (here, or as Slurm jobs), then collect")
    add_grid_options(p)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None)
    add_weights_options(p)
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

    p = sub.add_parser("reproduce", help="re-run the committed runs of a grid into a scratch folder and compare "
                                         "them image by image")
    add_grid_options(p)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--scratch-dir", type=Path, default=Path("build/reproduce"),
                   help="where the runs are done again (the committed results are never touched)")
    add_weights_options(p)  # `make weights`: the weights of runs that reproduced, to ship

    p = sub.add_parser("collect", help="write results/<profile>/runs.csv, per_image.csv and summary.csv")
    add_grid_options(p)

    p = sub.add_parser("evaluate", help="evaluate saved weights on a scenario, without training")
    add_grid_options(p, seeds=False)
    p.add_argument("--checkpoint", type=Path, required=True, help="weights written by --keep-weights")
    p.add_argument("--scenario", required=True)
    p.add_argument("--method", default=None, help="the method whose model the weights belong to "
                                                  "(default: the checkpoint's own)")
    p.add_argument("--seed", type=int, default=0, help="which measurements (and test split draws) to use")
    p.add_argument("--device", default="auto")

    p = sub.add_parser("contribute", help="check a method file, train it in its scenarios beside the committed "
                                          "results (in a scratch folder) and write where it ranks")
    p.add_argument("name", help="the method's registered name")
    p.add_argument("--profile", default=QUICK_LOOK, help=f"{', '.join(PROFILES)} (default {QUICK_LOOK}: a report "
                                                          "in about half an hour)")
    p.add_argument("--results-dir", type=Path, default=Path("results"), help="the committed results (only read)")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    p.add_argument("--scratch-dir", type=Path, default=Path("build/contribute"),
                   help="the runs and tables of the comparison, and the report NAME.md")
    p.add_argument("--threads", type=int, default=None)
    add_output_options(p)

    p = sub.add_parser("changed-methods", help="the methods a branch adds or changes (their file, or a loss they "
                                               "import), one per line: what the pull-request check runs")
    p.add_argument("--base", required=True, help="the branch or commit to compare with (e.g. origin/main)")

    p = sub.add_parser("findings", help="agreement with the paper's ranking (every profile), then on a profile's results: the paper's findings "
                         "checked, the pairs ordered unlike the paper, the doubling test of the budget, the grid's time")
    p.add_argument("--profile", default=HEADLINE)
    p.add_argument("--results-dir", type=Path, default=Path("results"))

    p = sub.add_parser("check-terms", help="check that every term of every method's loss gives a parameter "
                                           "gradient, at the first training step and a few steps later")
    p.add_argument("--profile", default=HEADLINE, help=f"{', '.join(PROFILES)} (default {HEADLINE})")
    p.add_argument("--final-step", default=None, help="override what the network ends on (as for run)")
    p.add_argument("--scenarios", default=None, help="comma-separated subset of scenarios")
    p.add_argument("--methods", default=None, help="comma-separated subset of methods")
    p.add_argument("--steps", type=int, default=8, help="training steps between the two checks (default 8)")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache"), help="measurement cache (git-ignored)")
    p.add_argument("--table", action="store_true", help="also print every term's gradient as a Markdown table")

    p = sub.add_parser("compare", help="what a profile-wide setting changes: the same grid in two results "
                                       "folders, method by method (paired PSNR difference, rankings' tau)")
    p.add_argument("folder_a", type=Path, help="results folder of setting A (collected)")
    p.add_argument("folder_b", type=Path, help="results folder of setting B (collected)")
    p.add_argument("--profile", default=HEADLINE)
    p.add_argument("--scenarios", default=None, help="comma-separated subset (default: every scenario both hold)")
    p.add_argument("--labels", default=None, help="names of the two settings in the report, comma-separated "
                                                  "(default: the folders)")

    p = sub.add_parser("site", help="render results/ into the leaderboard site (MkDocs Material)")
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    p.add_argument("--out", type=Path, default=Path("build/site"), help="pages in OUT/docs, HTML in OUT/html")
    p.add_argument("--profile", default=None, help="the profile the home page leads with (default: standard "
                                                   "if it has results, else the first found)")
    return parser


# folder options, and whether the command writes into them
FOLDER_OPTIONS = {"results_dir": "--results-dir", "cache_dir": "--cache-dir", "weights_dir": "--weights-dir",
                  "log_dir": "--log-dir", "out": "--out", "scratch_dir": "--scratch-dir"}
READ_ONLY = {("contribute", "results_dir"), ("findings", "results_dir"), ("site", "results_dir"), ("list", "results_dir"), ("grid", "results_dir")}


def check_folders(args: argparse.Namespace) -> None:
    """A folder option that is a file, lies under a file or cannot be written: one line, before any work."""
    for attr, option in FOLDER_OPTIONS.items():
        path = getattr(args, attr, None)
        if path is None:
            continue
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise UsageError(f"{option} {path} is a file, not a folder; pass a folder (it is created if missing)")
        existing = path if path.exists() else next(p for p in path.absolute().parents if p.exists())
        if not existing.is_dir():
            raise UsageError(f"{option} {path} lies under {existing}, which is a file; pass a folder path")
        if (args.command, attr) not in READ_ONLY and not os.access(existing, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {path} cannot be written ({existing} is read-only for this user); "
                             "pass a folder you can write to")


class Terminated(BaseException):
    """SIGTERM (a scheduler's cancel or time limit), raised so that the run in progress cleans up
    after itself as on Ctrl-C (its temporary folder and lock go) instead of dying where it stands."""


def raise_terminated(signum: int, frame) -> None:
    """The first SIGTERM stops the run; later ones are ignored so that they cannot cut its clean-up
    short (Slurm's srun sends a second one a few milliseconds after the first)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        check_folders(args)
        show_lines(args)
        return COMMANDS[args.command](args)
    except UsageError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except OSError as err:
        line = os_error_line(err)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Terminated) as stop:
        how, code = ("interrupted", 130) if isinstance(stop, KeyboardInterrupt) else ("stopped by SIGTERM", 128 + signal.SIGTERM)
        print(f"\n{how}: finished runs are kept, the interrupted one left nothing behind; run the same command "
              "again to resume", file=sys.stderr)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)


def one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a folder name read from a results
    folder, say) and bidirectional marks shown escaped, so an error is always one line as written."""
    return "".join(c if c.isprintable() and c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                   else c.encode("unicode_escape").decode() for c in text)


NOTHING_LOST = "nothing finished was lost (results, caches and the site are written whole or not at all)"


def os_error_line(err: OSError) -> str | None:
    """One line for what the machine refused (a full disk, a folder that cannot be written);
    None for any other OS error, which keeps its traceback."""
    where = err.filename or "a file"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full ({os.strerror(err.errno).lower()}); {NOTHING_LOST}: free some space and run the same command again"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {where} ({os.strerror(err.errno).lower()}); {NOTHING_LOST}: make that folder "
                "writable, or point the command at another one, and run it again")
    return None


def cmd_list(args) -> int:
    from pipeline.grid import grid_table

    print(grid_table(args.profile))
    return 0


def cmd_grid(args) -> int:
    from pipeline.grid import specs_from_args
    from pipeline.runs import pending_runs

    specs = specs_from_args(args)
    for spec in pending_runs(specs, args.results_dir) if args.pending else specs:
        print(spec.run_id)
    return 0


def cmd_run(args) -> int:
    from pipeline.grid import run_spec
    from pipeline.model import pick_device
    from pipeline.runs import execute

    set_threads(args.threads)
    spec = run_spec(args, args.scenario, args.method, args.seed)
    folder, ran = execute(spec, args.results_dir, args.cache_dir, pick_device(args.device), progress_enabled(args),
                          args.weights_dir if args.keep_weights else None)
    print(run_summary(spec.run_id, folder, ran), file=sys.stderr)
    return 0


def run_summary(run_id: str, folder: Path, ran: bool) -> str:
    """One line on a finished run; a diverged run says so (it is recorded, and the grid goes on)."""
    from pipeline.runs import read_run

    record = read_run(folder)
    when = "" if ran else " (already finished)"
    if record.get("status", "ok") != "ok":
        return f"{run_id}: {record['status']} ({record['failure']}){when}, recorded in {folder}"
    return f"{run_id}: PSNR {record['psnr']:.2f} dB{when}, {folder}"


def cmd_benchmark(args) -> int:
    from tqdm import tqdm

    from pipeline.grid import specs_from_args
    from pipeline.model import pick_device
    from pipeline.runs import execute, pending_runs

    set_threads(args.threads)
    pending = pending_runs(specs_from_args(args), args.results_dir)
    if args.executor != "inline":
        return benchmark_as_jobs(args, pending)
    device = pick_device(args.device)
    bar = tqdm(pending, desc="grid", unit="run", disable=not progress_enabled(args))
    for spec in bar:
        bar.set_postfix_str(spec.run_id)
        folder, ran = execute(spec, args.results_dir, args.cache_dir, device, progress_enabled(args),
                              args.weights_dir if args.keep_weights else None)
        bar.write(run_summary(spec.run_id, folder, ran), file=sys.stderr)
    return cmd_collect(args)


def benchmark_as_jobs(args, pending) -> int:
    """Submit the pending runs through submitit, wait, report failures, then collect."""
    from pipeline.cluster import ClusterOptions, Task, report, submit_and_wait
    from pipeline.measurements import load_measurements

    if pending:
        # simulate each scenario's measurements once here, rather than once per job at the same time
        for spec in {(s.scenario.name, s.seed): s for s in pending}.values():
            load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, args.cache_dir)
        options = ClusterOptions(args.executor, args.log_dir.resolve(), args.partition, args.gpus_per_run,
                                 args.cpus_per_run, args.time, args.max_parallel, account=args.account)
        tasks = {s.run_id: Task(run_argv(args, s), s.folder(args.results_dir).resolve()) for s in pending}
        outcomes = submit_and_wait(tasks, options, args.results_dir / ".submitting.lock", progress_enabled(args))
        print(report(outcomes), file=sys.stderr)
    code = cmd_collect(args)
    return 1 if pending and any(o.state == "failed" for o in outcomes) else code


def run_argv(args, spec) -> list[str]:
    """The ``python -m pipeline run`` arguments of one run, with absolute paths (jobs start elsewhere)."""
    argv = ["run", "--profile", spec.profile.name, "--scenario", spec.scenario.name, "--method", spec.method.name,
            "--seed", str(spec.seed), "--results-dir", str(args.results_dir.resolve()),
            "--cache-dir", str(args.cache_dir.resolve()), "--device", args.device,
            "--quiet" if args.quiet else "--lines"]
    if args.dataset:
        argv += ["--dataset", args.dataset]
    if args.data_dir:
        argv += ["--data-dir", str(Path(args.data_dir).resolve())]
    if args.epochs is not None:
        argv += ["--epochs", str(args.epochs)]
    if args.final_step is not None:
        argv += ["--final-step", args.final_step]
    if args.speed:
        argv += ["--speed", args.speed]
    if args.threads is not None:
        argv += ["--threads", str(args.threads)]
    if args.keep_weights:
        argv += ["--keep-weights", "--weights-dir", str(args.weights_dir.resolve())]
    for option, value in (("--model", args.model), ("--physics", args.physics)):
        if value:
            argv += [option, value]
    for metric in args.metric or []:
        argv += ["--metric", metric]
    return argv


def cmd_reproduce(args) -> int:
    from pipeline.grid import specs_from_args
    from pipeline.reproduce import committed, committed_threads, compare, summary

    if args.scratch_dir.resolve() == args.results_dir.resolve():
        raise UsageError("--scratch-dir must differ from --results-dir: the committed results are compared, never rewritten")
    if args.results_dir.is_dir():
        from pipeline.gate import check_links

        check_links(args.results_dir)
    specs = committed(specs_from_args(args), args.results_dir)
    again = argparse.Namespace(**{**vars(args), "results_dir": args.scratch_dir, "executor": "inline"})
    if again.threads is None:
        again.threads = committed_threads(specs, args.results_dir)
        print(f"re-running {len(specs)} run(s) with {again.threads} torch thread(s), as the committed runs were made",
              file=sys.stderr)
    seeds = sorted({s.seed for s in specs})
    again.seeds = ",".join(map(str, seeds))
    again.scenarios = ",".join(dict.fromkeys(s.scenario.name for s in specs))
    again.methods = ",".join(dict.fromkeys(s.method.name for s in specs))
    code = cmd_benchmark(again)
    if code != 0:
        return code
    comparisons = [compare(spec, args.results_dir, args.scratch_dir) for spec in specs]
    for comparison in comparisons:
        print(comparison.line(), file=sys.stderr)
    print(summary(comparisons))
    return 0 if all(c.reproduced for c in comparisons) else 1


def cmd_collect(args) -> int:
    from pipeline.collect import collect, report
    from pipeline.grid import specs_from_args, table_specs

    from pipeline.gate import check_links

    asked = specs_from_args(args)
    if args.results_dir.is_dir():
        check_links(args.results_dir)  # never read or write through a link that leaves the folder
    runs, missing = collect(table_specs(args, asked), args.results_dir, {s.run_id for s in asked})
    report(runs, missing, asked[0].tables_dir(args.results_dir))
    return 0


def cmd_contribute(args) -> int:
    from pipeline import contribute, leaderboard, storage
    from pipeline.methods import get_method

    from pipeline.guard import outcome

    method = get_method(args.name)
    contribute.check(method)
    checked = outcome(method, args.cache_dir)
    print(f"ground-truth guard: {checked}", file=sys.stderr)
    scratch = args.scratch_dir / "results"
    scenarios = ",".join(method.scenarios)
    contribute.scratch_copy(args.results_dir, scratch, args.profile, list(method.scenarios), method.name)
    common = ["--profile", args.profile, "--results-dir", str(scratch), "--cache-dir", str(args.cache_dir),
              "--scenarios", scenarios, *(["--quiet"] if args.quiet else []), *(["--lines"] if args.lines else [])]
    cmd_benchmark(build_parser().parse_args(["benchmark", *common, "--methods", method.name,
                                             *(["--threads", str(args.threads)] if args.threads else [])]))
    compared = contribute.methods_in(scratch, args.profile, list(method.scenarios))
    cmd_collect(build_parser().parse_args(["collect", *common, "--methods", ",".join(compared)]))
    (profile,) = [p for p in leaderboard.read_profiles(scratch) if p.name == args.profile]
    commands = [f"make contribute METHOD={method.name} PROFILE={args.profile}",
                f"# or: python -m pipeline contribute {method.name} --profile {args.profile}"]
    out = args.scratch_dir / f"{method.name}.md"
    storage.write_text(out, contribute.report(profile, method.name, commands, checked))
    print(f"report: {out}", file=sys.stderr)
    return 0


def cmd_changed_methods(args) -> int:
    from pipeline.changes import changed_files, touched_methods

    try:
        names, deleted = touched_methods(changed_files(args.base, Path.cwd()), Path.cwd())
    except RuntimeError as err:
        raise UsageError(f"{err}; fetch the base first (git fetch origin), or pass another --base") from None
    for path in deleted:
        print(f"deleted, nothing to run: {path}", file=sys.stderr)
    print("\n".join(names))
    return 0


def cmd_evaluate(args) -> int:
    from pipeline.checkpoints import read
    from pipeline.grid import run_spec
    from pipeline.model import pick_device
    from pipeline.runs import evaluate_checkpoint, read_run

    method = args.method or read(args.checkpoint).get("config", {}).get("method", {}).get("name")
    if not method:
        raise UsageError(f"checkpoint {args.checkpoint} does not name its method: pass --method")
    spec = run_spec(args, args.scenario, method, args.seed)
    folder = evaluate_checkpoint(spec, args.checkpoint, args.results_dir, args.cache_dir, pick_device(args.device))
    record = read_run(folder)
    print(f"{spec.run_id} from {args.checkpoint}: PSNR {record['psnr']:.2f} dB, SSIM {record['ssim']:.4f}, "
          f"{folder}", file=sys.stderr)
    return 0


def cmd_findings(args) -> int:
    from pipeline import agreement, disagreement, doubling, gridtime
    from pipeline.findings import check_findings, collapsed_report, report
    from pipeline.leaderboard import profile_named, read_profiles

    profiles = read_profiles(args.results_dir)
    profile = profile_named(args.results_dir, args.profile, profiles)
    print(agreement.report(profiles) + "\n")
    print(report(profile, check_findings(profile)))
    print("\n" + collapsed_report(profile))
    curves = doubling.read_curves(profile)
    print("\n" + disagreement.report(profile, curves))
    budgets = doubling.report(profile, curves)
    if budgets:
        print("\n" + budgets)
    print("\n" + gridtime.report(profile))
    return 0


def cmd_check_terms(args) -> int:
    from pipeline import liveterms
    from pipeline.grid import chosen_pairs
    from pipeline.methods import get_method
    from pipeline.profiles import get_profile
    from pipeline.scenarios import get_scenario

    if args.steps < 1:
        raise UsageError(f"--steps must be a positive integer, got {args.steps}")
    profile = get_profile(args.profile, final_step=args.final_step)
    grid = [(get_scenario(s), get_method(m, s)) for s, m in chosen_pairs(args.scenarios, args.methods)]
    result = liveterms.check(profile, grid, args.cache_dir, args.steps,
                             progress=lambda s, m: print(f"{s.name}/{m.name}", file=sys.stderr, flush=True))
    if args.table:
        print(liveterms.table(result))
    for dead in result.dead:
        print(f"error: {dead.line()}", file=sys.stderr)
    if result.dead:
        return 1
    print(f"every term of {len(grid)} (scenario, method) pair(s) of profile '{profile.name}' gives a parameter "
          f"gradient at steps 0 and {args.steps}")
    return 0


def cmd_compare(args) -> int:
    from pipeline.compare import compare, report

    labels = args.labels.split(",") if args.labels else [str(args.folder_a), str(args.folder_b)]
    if len(labels) != 2 or not all(labels):
        raise UsageError(f"--labels takes two names separated by a comma, got {args.labels!r}")
    scenarios = args.scenarios.split(",") if args.scenarios else None
    print(report(compare(args.folder_a, args.folder_b, args.profile, scenarios), *labels))
    return 0


def cmd_site(args) -> int:
    import time

    from pipeline.site import build_site

    start = time.perf_counter()
    html = build_site(args.results_dir, args.out, headline=args.profile)
    print(f"site built in {time.perf_counter() - start:.1f} s: {html}/index.html", file=sys.stderr)
    return 0


def set_threads(threads: int | None) -> None:
    if threads is not None:
        import torch

        if threads < 1:
            raise UsageError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)


COMMANDS = {"list": cmd_list, "grid": cmd_grid, "run": cmd_run, "benchmark": cmd_benchmark, "collect": cmd_collect,
            "contribute": cmd_contribute, "changed-methods": cmd_changed_methods, "evaluate": cmd_evaluate, "findings": cmd_findings, "check-terms": cmd_check_terms, "compare": cmd_compare, "site": cmd_site, "reproduce": cmd_reproduce}
