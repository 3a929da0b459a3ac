"""Commands that read results: collect, findings, check-terms, compare, site, readme. ``findings``,
``compare``, ``site`` and ``readme`` run without torch; ``collect`` and ``check-terms`` import the training
stack when they run (``pipeline.commands.options`` says why)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.analysis import agreement, disagreement, doubling, gridtime
from pipeline.analysis.compare import compare, report
from pipeline.analysis.findings import check_findings, collapsed_report
from pipeline.analysis.findings import report as findings_report
from pipeline.analysis.leaderboard import profile_named, read_profiles
from pipeline.base import PROJECT_ROOT
from pipeline.base.errors import UsageError
from pipeline.commands.options import Command, add_grid_options, add_profile_option, grid_request
from pipeline.render import build_site
from pipeline.render.readme import BLOCKS, write_numbers
from pipeline.setting.profiles import HEADLINE, QUICK_LOOK, get_profile


def run_collect(args) -> int:
    from pipeline.grid.executor import collect_tables

    collect_tables(grid_request(args))
    return 0


def findings_arguments(p: argparse.ArgumentParser) -> None:
    add_profile_option(p)
    p.add_argument("--results-dir", type=Path, default=Path("results"))


def print_findings(args) -> int:
    profiles = read_profiles(args.results_dir)
    profile = profile_named(args.results_dir, args.profile, profiles)
    print(agreement.report(profiles) + "\n")
    print(findings_report(profile, check_findings(profile)))
    print("\n" + collapsed_report(profile))
    curves = doubling.read_curves(profile)
    print("\n" + disagreement.report(profile, curves))
    budgets = doubling.report(profile, curves)
    if budgets:
        print("\n" + budgets)
    print("\n" + gridtime.report(profile))
    return 0


def check_terms_arguments(p: argparse.ArgumentParser) -> None:
    add_profile_option(p)
    p.add_argument("--final-step", default=None, help="override what the network ends on (as for run)")
    p.add_argument("--scenarios", default=None, help="comma-separated subset of scenarios")
    p.add_argument("--methods", default=None, help="comma-separated subset of methods")
    p.add_argument("--steps", type=int, default=8, help="training steps between the two checks (default 8)")
    p.add_argument("--cache-dir", type=Path, default=Path(".cache"), help="measurement cache (git-ignored)")
    p.add_argument("--table", action="store_true", help="also print every term's gradient as a Markdown table")


def check_terms(args) -> int:
    from pipeline.grid.plan import chosen_pairs
    from pipeline.methods import get_method
    from pipeline.run import liveterms
    from pipeline.setting.scenarios import get_scenario

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


def compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder_a", type=Path, help="results folder of setting A (collected)")
    p.add_argument("folder_b", type=Path, help="results folder of setting B (collected)")
    add_profile_option(p)
    p.add_argument("--profile-b", default=None, help="the profile read from FOLDER_B, when the two settings are two "
                                                     "profiles (default: --profile)")
    p.add_argument("--scenarios", default=None, help="comma-separated subset (default: every scenario both hold)")
    p.add_argument("--labels", default=None, help="names of the two settings in the report, comma-separated "
                                                  "(default: the folders)")


def print_comparison(args) -> int:
    labels = args.labels.split(",") if args.labels else [str(args.folder_a), str(args.folder_b)]
    if len(labels) != 2 or not all(labels):
        raise UsageError(f"--labels takes two names separated by a comma, got {args.labels!r}")
    scenarios = args.scenarios.split(",") if args.scenarios else None
    print(report(compare(args.folder_a, args.folder_b, args.profile, scenarios, args.profile_b), *labels))
    return 0


def site_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    p.add_argument("--out", type=Path, default=Path("build/site"), help="pages in OUT/docs, HTML in OUT/html")
    p.add_argument("--profile", default=None, help=f"the profile the home page leads with (default: {HEADLINE} "
                                                   "if it has results, else the first found)")


def render_site(args) -> int:
    start = time.perf_counter()
    html = build_site(args.results_dir, args.out, headline=args.profile)
    print(f"site built in {time.perf_counter() - start:.1f} s: {html}/index.html", file=sys.stderr)
    return 0


def readme_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    p.add_argument("--root", type=Path, default=PROJECT_ROOT,
                   help=f"the folder whose {', '.join(BLOCKS)} to write (default: the project's)")


def update_readme(args) -> int:
    for path, changed in write_numbers(args.root, args.results_dir).items():
        blocks = BLOCKS[str(path.relative_to(args.root))]
        print(f"{path}: the {' and '.join(blocks)} numbers {'written' if changed else 'already current'}", file=sys.stderr)
    return 0


COLLECT = Command("collect", "write results/<profile>/runs.csv, per_image.csv and summary.csv", add_grid_options,
                  run_collect)
FINDINGS = Command("findings", "agreement with the paper's ranking (every profile), then on a profile's results: the "
                   "paper's findings checked, the pairs ordered unlike the paper, the doubling test of the budget, "
                   "the grid's time", findings_arguments, print_findings, reads_only=("results_dir",))
CHECK_TERMS = Command("check-terms", "check that every term of every method's loss gives a parameter gradient, at "
                      "the first training step and a few steps later", check_terms_arguments, check_terms)
COMPARE = Command("compare", "what a profile-wide setting changes: the same grid in two results folders, method by "
                  "method (paired PSNR difference, rankings' tau)", compare_arguments, print_comparison)
README = Command("readme", f"write the headline profile's ({HEADLINE}) PSNR table, agreement with the paper, "
                 f"findings, doubling test and reversed pairs into README.md, those of {HEADLINE} and {QUICK_LOOK} into "
                 "site/pages/leaderboards.md and the headline's doubling test and grid time into "
                 "site/pages/results-guide.md, from results/", readme_arguments, update_readme, reads_only=("results_dir",))
SITE = Command("site", "render results/ into the leaderboard site (MkDocs Material)", site_arguments, render_site,
               reads_only=("results_dir",))
