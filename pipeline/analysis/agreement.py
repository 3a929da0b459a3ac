"""How closely a profile's leaderboard ranks the methods like the paper: Kendall's τ, and each
method's gain over zero-filled beside the paper's.

τ is Kendall's τ-b (ties counted as neither concordant nor discordant) between our mean metric
per method (over seeds) and SSIBench's published one, over the methods both have in a
scenario, reference rows included; variants (methods not in the paper) are left out. A
method whose runs all diverged ranks last. τ = 1 is the paper's order, 0 no relation, −1 the
reverse. Only the paper's four scenarios have published numbers.

The paper reports one seed, so its near-ties (MC 27.66 dB vs zero-filled 27.67) are not
evidence of an order. Beside τ, agreement is therefore also the share of the pairs the paper
separates by at least ``SEPARATION_DB`` in PSNR that our means put in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analysis.leaderboard import Profile, scenario_table
from pipeline.analysis.published import PUBLISHED

METRICS = {"psnr": 0, "ssim": 1}  # index into PUBLISHED's (psnr, ssim)
DIVERGED = -1e9  # the score a diverged method ranks with: below any other, tied with other diverged ones
SEPARATION_DB = 1.0  # a pair of methods the paper separates by this much PSNR counts as ordered by it
MIN_RANKED = 2  # a scenario is ranked against the paper once this many of its methods have results


def kendall_tau_b(a: list[float], b: list[float]) -> float:
    """Kendall's τ-b of two equally long sequences (NaN with fewer than two items or no order)."""
    n = len(a)
    concordant = discordant = ties_a = ties_b = 0
    for i in range(n):
        for j in range(i + 1, n):
            da, db = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif da == db:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b))
    return (concordant - discordant) / denominator if denominator else float("nan")


@dataclass(frozen=True)
class Agreement:
    profile: str
    scenario: str
    metric: str
    tau: float
    n_methods: int
    separated: int = 0  # pairs the paper separates by >= SEPARATION_DB (PSNR only)
    same_order: int = 0  # of those, the pairs ours orders the same way

    @property
    def share(self) -> float:
        """The share of the paper's separated pairs in the same order (NaN without any)."""
        return self.same_order / self.separated if self.separated else float("nan")


def paper_methods(profile: Profile, scenario: str) -> pd.DataFrame:
    """Our mean metrics (over seeds) of the methods the paper has in this scenario, with its numbers."""
    table = scenario_table(profile, scenario)
    published = PUBLISHED.get(scenario, {})
    table = table[~table.variant & table.method.isin(list(published))].copy()
    for metric, k in METRICS.items():
        table[f"paper_{metric}"] = [published[m][k] for m in table.method]
    return table.reset_index(drop=True)


def ranked_methods(profile: Profile, scenario: str) -> pd.DataFrame | None:
    """``paper_methods`` where the scenario can be ranked against the paper: it has published
    numbers and at least ``MIN_RANKED`` of the paper's methods have results; else None."""
    if scenario not in PUBLISHED:
        return None
    table = paper_methods(profile, scenario)
    return table if len(table) >= MIN_RANKED else None


def agreement(profile: Profile) -> list[Agreement]:
    """τ per scenario that can be ranked against the paper, per metric."""
    found = []
    for scenario in profile.scenarios:
        table = ranked_methods(profile, scenario)
        if table is None:
            continue
        for metric in METRICS:
            ours, paper = list(table[metric].fillna(DIVERGED)), list(table[f"paper_{metric}"])
            pairs = separated_pairs(ours, paper) if metric == "psnr" else (0, 0)
            found.append(Agreement(profile.name, scenario, metric, kendall_tau_b(ours, paper), len(table), *pairs))
    return found


def separated_pairs(ours: list[float], paper: list[float], gap: float = SEPARATION_DB) -> tuple[int, int]:
    """(pairs the paper separates by at least ``gap``, how many of them ours orders the same way)."""
    separated = same = 0
    for i in range(len(ours)):
        for j in range(i + 1, len(ours)):
            if abs(paper[i] - paper[j]) >= gap:
                separated += 1
                same += np.sign(ours[i] - ours[j]) == np.sign(paper[i] - paper[j])
    return separated, int(same)


def gains(profile: Profile, scenario: str) -> pd.DataFrame:
    """Each method's PSNR gain over zero-filled, ours and the paper's (dB); empty without zero-filled."""
    table = paper_methods(profile, scenario)
    columns = ["method", "gain", "paper_gain"]
    if "zero-filled" not in set(table.method):
        return pd.DataFrame(columns=columns)
    ours = table.set_index("method").psnr
    paper = table.set_index("method").paper_psnr
    out = pd.DataFrame({"method": ours.index, "gain": ours - ours["zero-filled"], "paper_gain": paper - paper["zero-filled"]})
    return out[out.method != "zero-filled"].sort_values("paper_gain", ascending=False).reset_index(drop=True)


def report(profiles: list[Profile]) -> str:
    """Plain-text τ table (every profile) and the gains over zero-filled, for the terminal."""
    lines = ["Agreement with the paper (Kendall's tau-b of the method ranking; n = methods in both; variants left out)"]
    for p in profiles:
        found = {(r.scenario, r.metric): r for r in agreement(p)}
        published = [s for s in p.scenarios if s in PUBLISHED]
        if not published:
            lines.append(f"  {p.name}: no scenario with published numbers")
        for scenario in published:
            if (scenario, "psnr") not in found:
                lines.append(f"  {p.name:<8} {scenario:<10} fewer than {MIN_RANKED} of the paper's methods have results")
                continue
            psnr = found[(scenario, "psnr")]
            lines.append(f"  {p.name:<8} {scenario:<10} tau PSNR {psnr.tau:+.2f}  tau SSIM {found[(scenario, 'ssim')].tau:+.2f}"
                         f"  (n = {psnr.n_methods})  paper's >= {SEPARATION_DB:g} dB pairs in our order: "
                         f"{psnr.same_order}/{psnr.separated} ({100 * psnr.share:.0f} %)")
    for p in profiles:
        for scenario in p.scenarios:
            table = gains(p, scenario) if scenario in PUBLISHED else pd.DataFrame()
            if table.empty:
                continue
            lines.append(f"\nGain over zero-filled, {p.name} / {scenario} (PSNR dB: ours, paper's)")
            lines += [f"  {r.method:<18} {r.gain:+6.2f}  {r.paper_gain:+6.2f}" for r in table.itertuples()]
    return "\n".join(lines)
