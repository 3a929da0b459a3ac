"""What the site and ``findings`` know about the methods, scenarios and profiles, kept as data.

The methods registry imports DeepInverse and torch. ``collect`` therefore writes what readers
need of it (titles, maths, references, settings, the method file's source, variants, the
properties the findings check) into ``results/catalogue.json``; the leaderboard site and
``findings`` read only that file and the result tables, so rendering them needs no torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from pipeline.base import reading
from pipeline.base import storage
from pipeline.base.errors import UsageError
from pipeline.base.reading import FIX
from pipeline.base.names import check_name

FILE = "catalogue.json"


@dataclass(frozen=True)
class MethodInfo:
    name: str
    title: str
    summary: str
    reference: str
    url: str
    deepinv_classes: tuple[str, ...]
    scenarios: tuple[str, ...]
    settings: dict
    learns: bool  # False: evaluated as built (zero-filled)
    uses_ground_truth: bool
    adversarial: bool
    noise_baseline: str | None
    variant_of: str | None
    departure: str
    doc: str  # the method module's docstring: the loss in maths
    source: str  # the method file, relative to the project
    code: str  # the method file's text

    @property
    def in_paper(self) -> bool:
        return self.variant_of is None


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    title: str
    description: str


@dataclass(frozen=True)
class Catalogue:
    methods: dict[str, MethodInfo]  # by name, in name order
    scenarios: dict[str, ScenarioInfo]  # in the paper's order
    profiles: dict[str, str]  # name -> description

    def variants_of(self, name: str) -> list[MethodInfo]:
        return [m for m in self.methods.values() if m.variant_of == name]

    def describe_profile(self, name: str) -> str:
        return self.profiles.get(name, f"profile {name}")


def from_registry(methods: dict[str, Any], scenarios: dict[str, Any], profiles: dict[str, Any], root: Path) -> Catalogue:
    """The catalogue of the registered methods (``pipeline.methods.registry()``), scenarios and profiles."""
    infos = {name: MethodInfo(
        name=m.name, title=m.title, summary=m.summary, reference=m.reference, url=m.url,
        deepinv_classes=tuple(m.deepinv_classes), scenarios=tuple(m.scenarios), settings=dict(m.settings),
        learns=m.losses is not None, uses_ground_truth=m.uses_ground_truth, adversarial=m.adversarial,
        noise_baseline=m.noise_baseline, variant_of=m.variant_of, departure=m.departure, doc=m.doc,
        source=m.source, code=(root / m.source).read_text(),
    ) for name, m in methods.items()}
    return Catalogue(infos, {name: ScenarioInfo(name, s.title, s.description) for name, s in scenarios.items()},
                     {name: p.description for name, p in profiles.items()})


def write(results_dir: Path, catalogue: Catalogue) -> None:
    """``results_dir/catalogue.json``, replaced atomically; an identical file is left untouched."""
    storage.write_if_changed(Path(results_dir) / FILE, json.dumps(asdict(catalogue), indent=1) + "\n")


def read(results_dir: Path) -> Catalogue:
    """The catalogue that ``collect`` wrote; a one-line error if it is missing or damaged."""
    path = Path(results_dir) / FILE
    fix = "run `make collect` (python -m pipeline collect) to write it again"
    try:
        data = reading.load_json(path)
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: {fix}") from None
    try:
        methods = {name: MethodInfo(**{f.name: tuple(m[f.name]) if f.type.startswith("tuple") else m[f.name]
                                       for f in fields(MethodInfo)}) for name, m in data["methods"].items()}
        scenarios = {name: ScenarioInfo(**s) for name, s in data["scenarios"].items()}
        known = Catalogue(methods, scenarios, dict(data["profiles"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"{path} is damaged ({type(error).__name__}: {str(error)[:120]}): {fix}") from None
    check(known, path)
    return known


TEXT = {"str": str, "str | None": (str, type(None)), "bool": bool, "dict": dict}


def check(known: Catalogue, path: Path) -> None:
    """Names by the name rule, keys equal to names, fields of their types, and references (a
    method's scenarios, the method a variant varies, a noise baseline) to entries that exist."""
    where = f"in {path}"
    for key, info in [*known.methods.items(), *known.scenarios.items()]:
        what = "method" if isinstance(info, MethodInfo) else "scenario"
        check_name(key, what, where)
        if info.name != key:
            raise UsageError(f"{path}: the {what} entry {key!r} is named {str(info.name)[:60]!r}; {FIX}")
        for f in fields(info):
            value = getattr(info, f.name)
            ok = all(isinstance(v, str) for v in value) if f.type.startswith("tuple") else isinstance(value, TEXT[f.type])
            if not ok:
                raise UsageError(f"{path}: {what} {key}'s {f.name} is {type(value).__name__}, not {f.type}; {FIX}")
    for name, description in known.profiles.items():
        check_name(name, "profile", where)
        if not isinstance(description, str):
            raise UsageError(f"{path}: profile {name}'s description is {type(description).__name__}, not str; {FIX}")
    for m in known.methods.values():
        for scenario in m.scenarios:
            if scenario not in known.scenarios:
                raise UsageError(f"{path}: method {m.name} names scenario {scenario[:60]!r}, which the catalogue lacks; {FIX}")
        for field_name in ("variant_of", "noise_baseline"):
            other = getattr(m, field_name)
            if other is not None and other not in known.methods:
                raise UsageError(f"{path}: method {m.name}'s {field_name} {other[:60]!r} is not in the catalogue; {FIX}")


def check_agrees(known: Catalogue, results_dir: Path, table: Path, scenarios: set[str], methods: set[str]) -> None:
    """Every scenario and method of a result table is described by the catalogue."""
    for what, names, described in (("scenario", scenarios, known.scenarios), ("method", methods, known.methods)):
        missing = sorted(names - set(described))
        if missing:
            raise UsageError(f"{table} has {what}(s) {', '.join(missing)[:120]} that {Path(results_dir) / FILE} does not "
                             f"describe: the catalogue and the tables disagree; {FIX}")
