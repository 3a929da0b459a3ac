"""The grid of runs of a profile: every registered method on every scenario it applies to, and
the runs a ``GridRequest`` names."""

from __future__ import annotations

from pathlib import Path

from pipeline.base.errors import UsageError, choose
from pipeline.methods import get_method, registry
from pipeline.run.results import longer_run
from pipeline.run.spec import RunSpec
from pipeline.setting.data import DatasetSpec
from pipeline.setting.imported import CustomParts, with_physics
from pipeline.grid.request import GridRequest
from pipeline.setting.profiles import get_profile
from pipeline.setting.scenarios import SCENARIOS, get_scenario


def pairs(scenarios: list[str] | None = None, methods: list[str] | None = None) -> list[tuple[str, str]]:
    """(scenario, method) pairs in grid order: scenarios as defined, methods by name."""
    for name in scenarios or []:
        choose("scenario", name, SCENARIOS)
    for name in methods or []:
        choose("method", name, registry())
    return [
        (s, m.name)
        for s in (scenarios or SCENARIOS)
        for m in registry().values()
        if m.applies_to(s) and (methods is None or m.name in methods)
    ]


def run_spec(request: GridRequest, scenario: str, method: str, seed: int) -> RunSpec:
    """One run of the request; the user's physics replaces the scenario's operator here, once."""
    profile = get_profile(request.profile, request.epochs, request.final_step, request.speed)
    if seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")
    dataset = DatasetSpec.parse(request.dataset or profile.dataset, request.data_dir)
    parts = CustomParts(request.model, request.physics, tuple(request.metrics))
    return RunSpec(profile, with_physics(get_scenario(scenario), parts), get_method(method, scenario),
                   seed, dataset, parts)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--seeds must be comma-separated integers like 0,1,2, got '{text}'") from None
    if not seeds or any(s < 0 for s in seeds):
        raise UsageError(f"--seeds must be non-negative integers like 0,1,2, got '{text}'")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise UsageError(f"--seeds lists seed {', '.join(map(str, repeated))} more than once ('{text}'); "
                         "give each seed once, e.g. 0,1,2")
    return seeds


def split_names(text: str | None) -> list[str] | None:
    """A comma-separated list of names given on the command line; None when not given."""
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def chosen_pairs(scenarios: str | None, methods: str | None) -> list[tuple[str, str]]:
    """The (scenario, method) pairs named on the command line; a one-line error if there are none."""
    grid = pairs(split_names(scenarios), split_names(methods))
    if not grid:
        raise UsageError(f"no method of {methods} applies to scenario(s) {scenarios}; see `python -m pipeline list`")
    return grid


def requested_specs(request: GridRequest) -> list[RunSpec]:
    """The runs the request names, in grid order, seed by seed within each (scenario, method)."""
    grid = chosen_pairs(request.scenarios, request.methods)
    if request.seeds is not None:
        seeds = parse_seeds(request.seeds)
    else:
        seeds = seeds_on_disk(run_spec(request, *grid[0], 0), request.results_dir) or [0]
    return [run_spec(request, s, m, seed) for s, m in grid for seed in seeds]


def seeds_on_disk(spec: RunSpec, results_dir: Path) -> list[int]:
    """The seeds that have a run folder among the runs of ``spec``'s tables (any scenario or
    method). Without ``--seeds`` the grid uses these: ``make benchmark`` then keeps the seeds the
    leaderboard already has, and a new method gets as many seeds as the methods it is ranked
    against (its CI resamples seeds too). A profile read off a longer one has that one's seeds too."""
    longer = longer_run(spec)
    roots = [s.tables_dir(results_dir) / "runs" for s in (spec, longer) if s is not None]
    return sorted({int(f.name[4:]) for root in roots for f in root.glob("*/*/seed*")
                   if f.is_dir() and f.name[4:].isdigit()})


def table_specs(request: GridRequest, asked: list[RunSpec]) -> list[RunSpec]:
    """What a profile's tables hold: the whole grid (every scenario and method), for the seeds
    asked for and every seed that has a run folder there, with the options asked for. So a
    narrowed benchmark (``SCENARIOS=``, ``METHODS=``, ``SEEDS=``) adds its runs to the tables
    instead of replacing them with its own; runs made under other options have other config
    hashes and stay out."""
    seeds = sorted({s.seed for s in asked} | set(seeds_on_disk(asked[0], request.results_dir)))
    return [run_spec(request, s, m, seed) for s, m in pairs() for seed in seeds]


def grid_table(profile_name: str) -> str:
    """Human-readable grid: one line per (scenario, method)."""
    profile = get_profile(profile_name)
    grid = pairs()
    lines = [f"profile {profile.name}: {profile.description}", f"{len(grid)} runs per seed", ""]
    width = max(len(m) for m in registry()) + 2
    lines.append(f"{'scenario':<11}{'method':<{width}}title")
    for s, m in grid:
        method = registry()[m]
        variant = f"  [variant of {method.variant_of}: {method.departure}]" if method.variant_of else ""
        lines.append(f"{s:<11}{m:<{width}}{method.title}{variant}")
    return "\n".join(lines)
