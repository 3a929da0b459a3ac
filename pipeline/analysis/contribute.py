"""Where a contributed method ranks, and whether that is real: ``python -m pipeline contribute NAME``.

It checks the method file (registered, its loss in maths, a reference with a link, scenarios, a
variant's parent and departure), trains the method in every scenario it declares with the seeds
of the profile's committed results, collects it with those committed runs in a scratch folder
(``results/`` is only read), and writes a report: per scenario its rank, its score with its
95 % t-interval over the seeds, the paired differences against its neighbours and the references, how its learning
curve ended and its cost beside the median method's. Plain tables in, Markdown out.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from pipeline.analysis import leaderboard, ranking
from pipeline.base import intervals
from pipeline.base.formats import ci, interval, signed
from pipeline.base.errors import UsageError
from pipeline.setting.profiles import PROFILES

def problems_of(method) -> list[str]:
    """What a method file lacks for a leaderboard row (``method``: a registered ``Method``)."""
    found = []
    if ".. math::" not in method.doc and ":math:`" not in method.doc:
        found.append("its module docstring states no loss in maths (a `.. math::` block or a :math:`...` role)")
    if not method.reference.strip():
        found.append("no reference (authors, year, venue)")
    if not method.url.startswith(("https://", "http://")):
        found.append("no link to the paper (url=https://...)")
    if not method.scenarios:
        found.append("no scenarios (scenarios=(...))")
    return found


def scratch_copy(results_dir: Path, scratch: Path, profile: str, scenarios: list[str], name: str) -> None:
    """The committed runs of ``scenarios`` (all methods but ``name``), copied into ``scratch``: the
    contributed runs land beside them there and ``results/`` stays as it was. A profile read off a
    longer one (the quick look) takes that one's runs too."""
    for read in profiles_read(profile):
        source = Path(results_dir) / read / "runs"
        for scenario in scenarios:
            if not (source / scenario).is_dir():
                continue
            for method in sorted(p for p in (source / scenario).iterdir() if p.is_dir() and p.name != name):
                target = scratch / read / "runs" / scenario / method.name
                if not target.exists():
                    shutil.copytree(method, target)


def methods_in(scratch: Path, profile: str, scenarios: list[str]) -> list[str]:
    """The methods with run folders in the scratch folder: the ones the report compares."""
    roots = [scratch / read / "runs" / s for read in profiles_read(profile) for s in scenarios]
    return sorted({m.name for root in roots if root.is_dir() for m in root.iterdir() if m.is_dir()})


def profiles_read(profile: str) -> list[str]:
    """The profiles whose runs give ``profile``'s results: itself, and the one it is read off."""
    known = PROFILES.get(profile)
    return [profile] + ([known.stopped_from] if known is not None and known.stopped_from else [])


def report(profile: leaderboard.Profile, name: str, commands: list[str], guard: str) -> str:
    """The contribution report of ``name`` in ``profile`` (collected with the committed runs);
    ``guard``: the outcome of the ground-truth guard, in words."""
    lines = [f"# Contribution report: `{name}`", "",
             f"Profile `{profile.name}`, seeds {', '.join(map(str, sorted(profile.runs.seed.unique())))}. "
             f"{intervals.SENTENCE}",
             "", f"Ground-truth guard: {guard}.", ""]
    lines += standing(profile, name)
    lines += ["## Reproduce", "", "```bash", *commands, "```", ""]
    return "\n".join(lines)


def standing(profile: leaderboard.Profile, name: str, heading: str = "##", label: Callable[[str], str] = str) -> list[str]:
    """Where ``name`` ranks in each scenario of ``profile`` (the report's body; a method's site page
    shows the same for its committed results), one Markdown section per scenario. ``label`` writes
    the names read from the results (methods, scenarios, the profile): the site escapes them.
    Curve verdicts and scenario tables are computed once per profile (``leaderboard``'s caches)."""
    ends = leaderboard.curve_ends(profile)
    lines = []
    for scenario in profile.scenarios:
        table = leaderboard.scenario_table(profile, scenario)
        if name in set(table.method):
            lines += scenario_section(profile, scenario, table, name, ends.get((scenario, name)), heading, label)
    return lines


def scenario_section(profile, scenario: str, table: pd.DataFrame, name: str, curve, heading: str = "##",
                     label: Callable[[str], str] = str) -> list[str]:
    row = table.set_index("method").loc[name]
    title = f"{heading} {label(scenario)}"
    if row.psnr != row.psnr:
        return [title, "", f"{label(name)} diverged in every seed: no rank.", ""]
    if len(table) == 1:
        return [title, "", f"No committed run of profile {label(profile.name)} to compare with in this scenario "
                f"(PSNR {row.psnr:.2f} dB {interval((row.psnr_ci_low, row.psnr_ci_high))}).", ""]
    scored = table[table.psnr.notna()].sort_values("psnr", ascending=False, kind="stable")
    order = list(scored.method)
    images = profile.per_image[profile.per_image.scenario == scenario]
    samples = ranking.Samples.of(images, "psnr", order)
    k = order.index(name)
    others = [m for m in dict.fromkeys((order[k - 1] if k else None, order[k + 1] if k + 1 < len(order) else None,
                                        *leaderboard.REFERENCES))
              if m and m != name and m in order]  # a neighbour that is also a reference is listed once
    per_epoch = leaderboard.seconds_per_epoch(profile, scenario)
    per_epoch = per_epoch[per_epoch > 0]
    tied = "=" if row.tied else ""
    lines = [title, "",
             f"**Rank {tied}{row['rank']} of {len(order)}** (a rank is shared where the paired 95 % CI contains zero).", "",
             f"- PSNR {row.psnr:.2f} dB {interval((row.psnr_ci_low, row.psnr_ci_high))}, "
             f"SSIM {row.ssim:.4f} {interval((row.ssim_ci_low, row.ssim_ci_high), '%.4f')} ({plural(int(row.seeds), 'seed')})",
             f"- learning curve: {curve.describe() if curve else 'no curve (fewer than two points)'}",
             f"- cost: {cost(per_epoch, name)}",
             "", "| against | ΔPSNR (dB) | 95 % CI | verdict |", "| --- | --- | --- | --- |"]
    for other in others:
        diff, low, high = samples.difference(name, other)
        lines.append(f"| {label(other)} | {signed(diff)} | {ci((low, high))} | {verdict_word(low, high)} |")
    lines += ["", f"Verdict: {verdict(samples, name, order, label)}", ""]
    return lines


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cost(per_epoch: pd.Series, name: str) -> str:
    """The method's training seconds per epoch beside the median trained method's."""
    median = f"the median method: {np.median(per_epoch):.2f} s" if len(per_epoch) else "no method trained"
    if name not in per_epoch.index:
        return f"no training; {median}"
    return f"{per_epoch[name]:.2f} s per epoch; {median}"


def verdict_word(low: float, high: float) -> str:
    """A pair's verdict from its interval: significant, tie, or none with one seed."""
    if low != low:
        return "no interval (one seed)"
    return "significant" if low > 0 or high < 0 else "tie"


def verdict(samples: ranking.Samples, name: str, order: list[str], label: Callable[[str], str] = str) -> str:
    """One line: the methods it ties with, the closest it beats and the closest that beats it."""
    ties, above, below = [], None, None
    if len(np.unique(samples.seeds)) < 2:
        return "no verdict: one seed gives no interval"
    for other in order:
        if other == name:
            continue
        diff, low, high = samples.difference(name, other)
        if low != low:  # no seed in common with a method that lacks some
            continue
        if low <= 0 <= high:
            ties.append(other)
        elif low > 0 and (below is None or diff < below[1]):
            below = (other, diff, low, high)
        elif high < 0 and (above is None or diff > above[1]):
            above = (other, diff, low, high)
    parts = [f"ties with {', '.join(map(label, ties))}" if ties else "ties with no method"]
    if below:
        parts.append(f"above {label(below[0])} by {below[1]:.1f} dB [{below[2]:.1f}, {below[3]:.1f}]")
    if above:
        parts.append(f"below {label(above[0])} by {-above[1]:.1f} dB [{-above[3]:.1f}, {-above[2]:.1f}]")
    return "; ".join(parts)


def check(method) -> None:
    """Refuse a method file with problems, in one line that lists them."""
    found = problems_of(method)
    if found:
        raise UsageError(f"method '{method.name}' ({method.source}) is not ready: {'; '.join(found)}")
