"""The paper's qualitative findings, checked on a profile's results with paired per-image data.

Each check compares two methods on the same test images (and seeds): the mean PSNR difference
and its 95 % t-interval over the training seeds (``leaderboard.paired_comparison``,
``pipeline.base.intervals``). The rules are fixed here, for
every profile alike, and stated with each result so a reader can judge them:

- *above*: the whole CI of the difference is above 0 dB;
- *below*: the whole CI is below 0 dB;
- *matches*: the whole CI lies within ±``EQUIVALENCE_DB`` (an equivalence test, not merely a
  CI that contains 0, which a small test set would grant too easily).

A check whose methods are missing from the results is reported as not checked, never as held.
Variants (methods not in the paper) take part in no check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from pipeline.analysis.collapse import RULE_TEXT as COLLAPSE_RULE
from pipeline.analysis.convergence import RULE_TEXT as CURVE_RULE_TEXT
from pipeline.analysis.convergence import Convergence
from pipeline.base.formats import ci
from pipeline.analysis.leaderboard import Profile, curve_ends, paired_comparison, scenario_table

EQUIVALENCE_DB = 0.5
MULTI_OPERATOR_OR_EQUIVARIANT = ("ei", "moi", "mo-ei")


@dataclass(frozen=True)
class Check:
    finding: str  # the paper's claim this check belongs to
    scenario: str
    method: str
    baseline: str
    rule: str  # "above", "below" or "matches"
    diff: float | None = None  # mean PSNR(method) - PSNR(baseline), dB; None: not checked
    low: float | None = None
    high: float | None = None
    curves: str = ""  # for a check that fails: how both methods' learning curves ended

    @property
    def checked(self) -> bool:
        return self.diff is not None

    @property
    def holds(self) -> bool:
        if not self.checked:
            return False
        if self.rule == "above":
            return self.low > 0
        if self.rule == "below":
            return self.high < 0
        return -EQUIVALENCE_DB < self.low and self.high < EQUIVALENCE_DB

    @property
    def verdict(self) -> str:
        return "holds" if self.holds else ("fails" if self.checked else "not checked")


SUPERVISED_BEST = "Supervised training is best in every scenario"
MC_MATCHES_ZERO_FILLED = "With one fixed mask, MC alone learns nothing beyond zero-filled"
EQUIVARIANCE_BEATS_MC = "Equivariant and multi-operator losses (EI, MOI, MO-EI) are clearly above MC"
ADVERSARIAL_WORST = "The adversarial losses are worst"
ROBUST_BEATS_BASELINE = "In noise, each robust loss is above its non-robust baseline"


def check_findings(profile: Profile) -> list[Check]:
    """Every check of every finding on the profile's results, in a fixed order."""
    planned: list[Check] = []
    for scenario in profile.scenarios:
        table = by_psnr(scenario_table(profile, scenario))
        others = table[(table.method != "supervised") & ~table.variant]  # the paper's methods only
        if not others.empty:
            planned.append(Check(SUPERVISED_BEST, scenario, "supervised", str(others.method.iloc[0]), "above"))
    if "single" in profile.scenarios:
        planned.append(Check(MC_MATCHES_ZERO_FILLED, "single", "mc", "zero-filled", "matches"))
    for scenario in profile.scenarios:
        present = set(profile.runs.method[profile.runs.scenario == scenario])
        if "mc" in present:
            planned += [Check(EQUIVARIANCE_BEATS_MC, scenario, m, "mc", "above") for m in MULTI_OPERATOR_OR_EQUIVARIANT]
        planned += adversarial_checks(profile, scenario)
        if scenario == "noisy":
            planned += [Check(ROBUST_BEATS_BASELINE, scenario, m.name, m.noise_baseline, "above")
                        for m in profile.catalogue.methods.values() if m.noise_baseline and m.in_paper]
    comparisons: dict[tuple[str, str], pd.DataFrame] = {}  # each (scenario, baseline) compared once
    ends = curve_ends(profile)
    return [with_curves(measured(profile, check, comparisons), ends) for check in planned]


def by_psnr(table: pd.DataFrame) -> pd.DataFrame:
    """A scenario table by mean PSNR, best first (a diverged method last): a check's "best" and
    "worst" method is the one with the highest or lowest mean, whatever the shared ranks say."""
    return table.sort_values("psnr", ascending=False, na_position="last", kind="stable")


def with_curves(check: Check, ends: dict[tuple[str, str], Convergence]) -> Check:
    """A failing check with what the learning curves say about both of its methods."""
    if not check.checked or check.holds:
        return check
    notes = [f"{m} {ends[(check.scenario, m)].describe()}" for m in (check.method, check.baseline)
             if (check.scenario, m) in ends]
    return replace(check, curves="; ".join(notes))


def adversarial_checks(profile: Profile, scenario: str) -> list[Check]:
    """Each adversarial method against the worst non-adversarial method that learns."""
    table = by_psnr(scenario_table(profile, scenario))
    methods = profile.catalogue.methods
    adversarial = [m for m in table.method if m in methods and methods[m].adversarial]
    scored = table.method[table.psnr.notna()]  # a method whose runs all diverged has no images to pair
    learners = [m for m in scored if m in methods and not methods[m].adversarial and methods[m].in_paper
                and methods[m].learns and not methods[m].uses_ground_truth]
    if not adversarial or not learners:
        return []
    worst_learner = learners[-1]
    return [Check(ADVERSARIAL_WORST, scenario, m, worst_learner, "below") for m in adversarial]


def measured(profile: Profile, check: Check, comparisons: dict[tuple[str, str], pd.DataFrame]) -> Check:
    """The check with its paired difference filled in, or unchanged if a method has no results."""
    key = (check.scenario, check.baseline)
    if key not in comparisons:
        comparisons[key] = paired_comparison(profile, check.scenario, check.baseline)
    comparison = comparisons[key]
    row = comparison[comparison.method == check.method]
    if row.empty or pd.isna(row.psnr_diff.iloc[0]):  # no results, or no seed and image in common
        return check
    row = row.iloc[0]
    return Check(check.finding, check.scenario, check.method, check.baseline, check.rule,
                 float(row.psnr_diff), float(row.psnr_diff_low), float(row.psnr_diff_high))


def summary(checks: list[Check]) -> list[dict]:
    """One entry per finding: its checks and whether all of them hold."""
    findings: dict[str, list[Check]] = {}
    for check in checks:
        findings.setdefault(check.finding, []).append(check)
    return [{"finding": name, "checks": group, "holds": all(c.holds for c in group), "verdict": finding_verdict(group),
             "held": held(group)} for name, group in findings.items()]


def held(checks: list[Check]) -> str:
    """How many checks hold, in words that cannot be read as a count of failures."""
    return f"{sum(c.holds for c in checks)} of {len(checks)} {'check holds' if len(checks) == 1 else 'checks hold'}"


def finding_verdict(checks: list[Check]) -> str:
    """A finding holds when every check holds; it does not hold when a check fails; a missing
    result alone (a grid still running, a narrowed benchmark) leaves it not all checked."""
    if all(c.holds for c in checks):
        return "holds"
    return "does not hold" if any(c.checked and not c.holds for c in checks) else "not all checked"


RULE_TEXT = {"above": "CI above 0", "below": "CI below 0", "matches": f"CI within ±{EQUIVALENCE_DB} dB"}


def collapsed_report(profile: Profile) -> str:
    """The collapsed runs of a profile, by scenario and method, with where each collapse began."""
    ends = curve_ends(profile)
    found = [(key, end) for key, end in ends.items() if end.collapsed]
    if not found:
        return f"Collapsed runs: none ({COLLAPSE_RULE})."
    lines = [f"Collapsed runs ({COLLAPSE_RULE}):"]
    lines += [f"  {scenario:<9} {method}: {end.describe()}" for (scenario, method), end in found]
    return "\n".join(lines)


def report(profile: Profile, checks: list[Check]) -> str:
    """Plain-text report for the terminal."""
    lines = [f"Findings on profile {profile.name} (paired PSNR differences, 95 % t-interval over the training seeds)"]
    for entry in summary(checks):
        mark = entry["verdict"].upper() if entry["holds"] else entry["verdict"]
        lines.append(f"\n{entry['finding']}: {mark} ({entry['held']})")
        for c in entry["checks"]:
            measured_text = (f"{c.diff:+6.2f} dB {ci((c.low, c.high))}" if c.checked
                             else "no results for one of them")
            lines.append(f"  {c.verdict:>11}  {c.scenario:<9} {c.method} vs {c.baseline}: "
                         f"{measured_text}  (needs {RULE_TEXT[c.rule]})")
            if c.curves:
                lines.append(f"{'':15}curves: {c.curves}")
    if any(c.curves for c in checks):
        lines.append(f"\nCurves of failing checks: {CURVE_RULE_TEXT}.")
    return "\n".join(lines)
