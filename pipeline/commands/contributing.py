"""Commands for a contributed method: contribute (train it beside the committed results and
report where it ranks) and changed-methods (which methods a branch touches). ``contribute``
imports the training stack when it runs (``pipeline.commands.options`` says why)."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from pipeline.base import storage
from pipeline.base.errors import UsageError
from pipeline.commands.options import Command, add_output_options, progress_enabled
from pipeline.grid.changes import changed_files, touched_methods
from pipeline.grid.request import Execution, GridRequest
from pipeline.setting.profiles import PROFILES, QUICK_LOOK


def contribute_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the method's registered name")
    p.add_argument("--profile", default=QUICK_LOOK, help=f"{', '.join(PROFILES)} (default {QUICK_LOOK}: a report "
                                                          "in about half an hour)")
    p.add_argument("--results-dir", type=Path, default=Path("results"), help="the committed results (only read)")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    p.add_argument("--scratch-dir", type=Path, default=Path("build/contribute"),
                   help="the runs and tables of the comparison, and the report NAME.md")
    p.add_argument("--scenarios", default=None, help="comma-separated, some of the method's own (default: all of them)")
    p.add_argument("--seeds", default=None, help="comma-separated (default: the committed runs' seeds)")
    p.add_argument("--threads", type=int, default=None)
    add_output_options(p)


def chosen_scenarios(method, asked: str | None) -> list[str]:
    """The scenarios to train the method in: those asked for, each one it declares, or all it declares."""
    if not asked:
        return list(method.scenarios)
    chosen = [s.strip() for s in asked.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in method.scenarios]
    if unknown or not chosen:
        raise UsageError(f"method '{method.name}' does not run in {', '.join(unknown) or 'no scenario'}: choose among "
                         f"{', '.join(method.scenarios)} (SCENARIOS=...), or declare the scenario in its file")
    return chosen


def contribute(args) -> int:
    """Check the method file and its ground-truth guard, train it in its scenarios in a scratch copy
    of the committed runs it is compared with, collect, and write the report NAME.md."""
    from pipeline.analysis import contribute as contribution
    from pipeline.analysis import leaderboard
    from pipeline.grid.executor import benchmark, collect_tables
    from pipeline.methods import get_method
    from pipeline.run.guard import outcome

    method = get_method(args.name)
    contribution.check(method)
    scenarios = chosen_scenarios(method, args.scenarios)
    checked = outcome(method, args.cache_dir)
    print(f"ground-truth guard: {checked}", file=sys.stderr)
    scratch = args.scratch_dir / "results"
    contribution.scratch_copy(args.results_dir, scratch, args.profile, scenarios, method.name)
    request = GridRequest(profile=args.profile, results_dir=scratch, scenarios=",".join(scenarios),
                          methods=method.name, seeds=args.seeds)
    benchmark(request, Execution(cache_dir=args.cache_dir, threads=args.threads, progress=progress_enabled(args),
                                 quiet=args.quiet))
    compared = contribution.methods_in(scratch, args.profile, scenarios)
    collect_tables(replace(request, methods=",".join(compared)))
    (profile,) = [p for p in leaderboard.read_profiles(scratch) if p.name == args.profile]
    narrowed = [(flag, value) for flag, value in (("scenarios", args.scenarios), ("seeds", args.seeds)) if value]
    commands = [" ".join([f"make contribute METHOD={method.name} PROFILE={args.profile}",
                          *(f"{flag.upper()}={shlex.quote(value)}" for flag, value in narrowed)]),
                " ".join([f"# or: python -m pipeline contribute {method.name} --profile {args.profile}",
                          *(f"--{flag} {shlex.quote(value)}" for flag, value in narrowed)])]
    out = args.scratch_dir / f"{method.name}.md"
    storage.write_text(out, contribution.report(profile, method.name, commands, checked))
    print(f"report: {out}", file=sys.stderr)
    return 0


def changed_methods_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", required=True, help="the branch or commit to compare with (e.g. origin/main)")


def print_changed_methods(args) -> int:
    try:
        names, deleted = touched_methods(changed_files(args.base, Path.cwd()), Path.cwd())
    except RuntimeError as err:
        raise UsageError(f"{err}; fetch the base first (git fetch origin), or pass another --base") from None
    for path in deleted:
        print(f"deleted, nothing to run: {path}", file=sys.stderr)
    print("\n".join(names))
    return 0


CONTRIBUTE = Command("contribute", "check a method file, train it in its scenarios beside the committed results (in "
                     "a scratch folder) and write where it ranks", contribute_arguments, contribute,
                     reads_only=("results_dir",))
CHANGED_METHODS = Command("changed-methods", "the methods a branch adds or changes (their file, or a loss they "
                          "import), one per line: what the pull-request check runs", changed_methods_arguments,
                          print_changed_methods)
