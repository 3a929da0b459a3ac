"""What a profile-wide setting changes: the same grid in two results folders, compared run by run.

A setting that applies to every method (what the network ends on, how a solver is
differentiated, a speed option) is judged by running the grid twice, into two results
folders, and comparing them here; so is one profile against the profile that replaces it. For
each method of a scenario both hold: its mean PSNR under each, and the difference with its 95 %
interval over the training seeds (``pipeline.base.intervals``). The difference is paired (same
method, seed and test image: a t-interval over the seeds' mean differences) when both settings
scored the same test images; when they did not (two profiles with different data), it is the
unpaired difference of the two sides' means, with Welch's interval over each side's seed means.
For the scenario: Kendall's
τ-b between the two rankings, and each ranking's agreement with the paper (τ and the share of
its ≥ 1 dB pairs in the same order).

Nothing here trains; it reads the collected tables (``python -m pipeline collect``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.analysis import agreement
from pipeline.base.errors import UsageError
from pipeline.base.formats import ci
from pipeline.analysis.leaderboard import Profile, profile_named
from pipeline.analysis.ranking import Samples
from pipeline.base.intervals import welch_interval


@dataclass(frozen=True)
class Shift:
    """One method under the two settings."""

    method: str
    psnr_a: float
    psnr_b: float
    delta: float  # b - a, paired over the (seed, image) rows both have, or unpaired (NaN: no score on one side)
    low: float
    high: float


@dataclass(frozen=True)
class ScenarioShift:
    scenario: str
    methods: list[Shift]
    tau_between: float  # Kendall's τ-b of the two PSNR rankings
    paired: bool  # both settings scored the same test images
    paper_a: agreement.Agreement | None  # agreement with the paper under each setting
    paper_b: agreement.Agreement | None


def restricted(profile: Profile, scenario: str, methods: list[str]) -> Profile:
    """The profile's results of one scenario, for the given methods only (fresh tables)."""
    keep = lambda t: t[(t.scenario == scenario) & t.method.isin(methods)]  # noqa: E731
    return replace(profile, runs=keep(profile.runs), per_image=keep(profile.per_image), scenarios=[scenario])


def psnr_agreement(profile: Profile, scenario: str) -> agreement.Agreement | None:
    found = [a for a in agreement.agreement(profile) if a.scenario == scenario and a.metric == "psnr"]
    return found[0] if found else None


def compare_scenario(a: Profile, b: Profile, scenario: str) -> ScenarioShift:
    """Every method both folders have runs of in the scenario. A method whose every run diverged
    under one setting has no score there (NaN, shown as diverged) and ranks last in τ."""
    ran = lambda p: set(p.runs.method[p.runs.scenario == scenario])  # noqa: E731
    methods = sorted(ran(a) & ran(b))
    if not methods:
        raise UsageError(f"the two folders have no method in common in scenario '{scenario}'")
    a, b = restricted(a, scenario, methods), restricted(b, scenario, methods)
    paired = set(a.per_image.image_id) == set(b.per_image.image_id)  # the same test images: pair by seed and image
    mean = lambda p: p.per_image.groupby("method").psnr.mean()  # noqa: E731  (seeds have equal image counts)
    means_a, means_b = mean(a), mean(b)
    differences = paired_differences(a, b, methods) if paired else unpaired_differences(a, b, methods)
    shifts = [Shift(m, float(means_a.get(m, float("nan"))), float(means_b.get(m, float("nan"))), *differences[m])
              for m in methods]
    ranked = lambda scores: [agreement.DIVERGED if math.isnan(x) else x for x in scores]  # noqa: E731
    tau = agreement.kendall_tau_b(ranked(s.psnr_a for s in shifts), ranked(s.psnr_b for s in shifts))
    return ScenarioShift(scenario, shifts, tau, paired, psnr_agreement(a, scenario), psnr_agreement(b, scenario))


def paired_differences(a: Profile, b: Profile, methods: list[str]) -> dict[str, tuple[float, float, float]]:
    """B - A per method over the (seed, image) rows both have, with its t-interval over the seeds."""
    labelled = pd.concat([a.per_image.assign(method=a.per_image.method + "\0a"),
                          b.per_image.assign(method=b.per_image.method + "\0b")])
    samples = Samples.of(labelled, "psnr", [f"{m}\0{side}" for m in methods for side in "ab"])
    return {m: samples.difference(f"{m}\0b", f"{m}\0a") for m in methods}


def unpaired_differences(a: Profile, b: Profile, methods: list[str]) -> dict[str, tuple[float, float, float]]:
    """B - A per method, each side's mean over its own seeds, with Welch's interval."""
    side = lambda p, m: p.per_image[p.per_image.method == m]  # noqa: E731
    return {m: welch_interval(side(a, m).psnr, side(a, m).seed, side(b, m).psnr, side(b, m).seed) for m in methods}


def compare(dir_a: Path, dir_b: Path, profile: str, scenarios: list[str] | None = None,
            profile_b: str | None = None) -> list[ScenarioShift]:
    """Every scenario both hold (or ``scenarios``): ``profile``'s results in ``dir_a`` against
    ``profile_b``'s (by default the same profile) in ``dir_b``."""
    a, b = profile_named(dir_a, profile), profile_named(dir_b, profile_b or profile)
    common = [s for s in a.scenarios if s in b.scenarios]
    if scenarios:
        missing = [s for s in scenarios if s not in common]
        if missing:
            raise UsageError(f"scenario(s) {', '.join(missing)} not in both folders (both have: "
                             f"{', '.join(common) or 'none'})")
        common = scenarios
    if not common:
        raise UsageError(f"{dir_a} and {dir_b} have no scenario in common for profile '{profile}'"
                         + (f" and '{profile_b}'" if profile_b and profile_b != profile else ""))
    return [compare_scenario(a, b, s) for s in common]


def score(psnr: float) -> str:
    return "diverged" if math.isnan(psnr) else f"{psnr:.2f}"


def report(shifts: list[ScenarioShift], label_a: str, label_b: str) -> str:
    """Plain text for the terminal (and README)."""

    def paper(found: agreement.Agreement | None) -> str:
        if found is None:
            return "no published numbers"
        return f"tau {found.tau:+.2f}, {found.same_order}/{found.separated} of the paper's >= 1 dB pairs"

    lines = [f"A = {label_a}, B = {label_b} (PSNR in dB; B - A with its 95 % interval over the training seeds)"]
    for s in shifts:
        how = ("paired: the same test images, seed by seed" if s.paired else
               "unpaired: the two settings scored different test images, Welch's interval over each side's seeds")
        lines += [f"\n{s.scenario}: tau between the two rankings {s.tau_between:+.2f}; "
                  f"paper agreement A: {paper(s.paper_a)}; B: {paper(s.paper_b)}; {how}",
                  f"  {'method':<24}{'A':>9}{'B':>9}{'B - A':>9}  95 % CI"]
        for m in sorted(s.methods, key=lambda m: -(agreement.DIVERGED if math.isnan(m.psnr_b) else m.psnr_b)):
            lines.append(f"  {m.method:<24}{score(m.psnr_a):>9}{score(m.psnr_b):>9}"
                         + (f"{m.delta:>+9.2f}  {ci((m.low, m.high))}" if not math.isnan(m.delta) else ""))
    return "\n".join(lines)
