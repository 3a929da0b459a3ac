"""The numbers that written pages quote, written from the committed results (``make readme``).

README (the front door) shows the headline profile's leaderboard (PSNR per method and scenario,
mean over seeds, in the site's order: relative rank, variants last), its agreement with the
paper, the paper's findings checked, the doubling test at the full budget and every pair the
paper orders that is reversed here, with its verdict; the guide's page on the committed
leaderboards shows the same for the headline and the quick look. Each block is written between
two marker lines from the same tables and functions as the site's home page and ``make
findings``, so that no written page can drift from the results: tests compare them.
"""

from __future__ import annotations

import math
from pathlib import Path

from pipeline.base import PROJECT_ROOT

from pipeline.analysis import agreement, disagreement, doubling, findings, leaderboard
from pipeline.analysis.verdicts import verdicts
from pipeline.base.errors import UsageError
from pipeline.render.build import headline_first
from pipeline.render.pages import AGREEMENT_TARGET, leaderboard_order
from pipeline.render.reference import scale, steps
from pipeline.setting.profiles import QUICK_LOOK

README = PROJECT_ROOT / "README.md"
LEADERBOARDS = PROJECT_ROOT / "site" / "pages" / "leaderboards.md"
# the blocks each file holds: the headline's, and the quick look's
BLOCKS = {README: ("headline",), LEADERBOARDS: ("headline", QUICK_LOOK)}


def markers(block: str) -> tuple[str, str]:
    """The lines that open and close ``block``'s numbers in a written page."""
    return (f"<!-- {block} numbers: written by `make readme` from results/, do not edit by hand -->",
            f"<!-- end of the {block} numbers -->")


BEGIN, END = markers("headline")


def headline_block(results_dir: Path) -> str:
    """The headline's numbers (:func:`profile_block`)."""
    return profile_block(headline_first(leaderboard.read_profiles(results_dir), None, results_dir)[0])


def block_numbers(block: str, results_dir: Path) -> str:
    """``block``'s numbers: the headline's, or the named profile's (a line saying it has no results)."""
    if block == "headline":
        return headline_block(results_dir)
    found = [p for p in leaderboard.read_profiles(results_dir) if p.name == block]
    return profile_block(found[0]) if found else f"No results of profile `{block}` in `{results_dir}`."


def profile_block(p: leaderboard.Profile) -> str:
    """A profile's numbers: its scale and PSNR table, its τ with the paper, the paper's findings
    checked, the full budget's doubling test and the reversed pairs."""
    variants = {}
    for s in p.scenarios:
        table = leaderboard.scenario_table(p, s)
        for row in table[table.variant].itertuples():
            variants.setdefault(row.method, {})[s] = row.psnr
    tables, methods, _ = leaderboard_order(p)
    rows = [(m, [tables[s].psnr[m] if m in tables[s].index else None for s in p.scenarios]) for m in methods]
    rows += [(f"{m} (variant, not in the paper)", [scores.get(s) for s in p.scenarios]) for m, scores in sorted(variants.items())]
    lines = [f"Profile `{p.name}`: PSNR in dB, mean over seeds ({scale(p)}; `results/{p.name}/summary.csv`, and "
             "`runs.csv` for each run's CIs, SSIM and costs):", "",
             "| method | " + " | ".join(p.scenarios) + " |", "| --- |" + " --- |" * len(p.scenarios)]
    for method, scores in rows:
        name = f"*{method}*" if method in leaderboard.REFERENCES else method
        lines.append(f"| {name} | " + " | ".join(psnr(x) for x in scores) + " |")
    judged = verdicts(p)
    return "\n".join(lines + ["", agreement_line(judged.taus), "", *findings_lines(p), "",
                              *doubling_lines(p, judged.budgets), "", *reversed_lines(p, judged.reversed_pairs)])


def psnr(x: float | None) -> str:
    if x is None:
        return "—"
    return "diverged" if math.isnan(x) else f"{x:.2f}"


def agreement_line(taus: list[agreement.Agreement]) -> str:
    """Kendall's τ-b with the published PSNR ranking and the paper's separated pairs kept, per
    scenario, and whether the target is met in every scenario."""
    found = [a for a in taus if a.metric == "psnr"]
    if not found:
        return "No scenario of this profile has published numbers to compare with."
    taus = ", ".join(f"{a.tau:.2f} `{a.scenario}`" for a in found)
    pairs = ", ".join(f"{a.same_order}/{a.separated} `{a.scenario}`" for a in found)
    met = all(a.tau >= AGREEMENT_TARGET and a.same_order >= 0.95 * a.separated for a in found)
    verdict = "is met" if met else "**is not met**"
    return (f"Kendall's τ-b with the published PSNR ranking: **{taus}**; the paper's pairs separated by "
            f"≥ 1 dB kept in order: {pairs}. The target (τ ≥ {AGREEMENT_TARGET} and ≥ 95 % of those pairs, "
            f"in every scenario) {verdict}.")


def with_block(text: str, numbers: str, path: Path, block: str = "headline") -> str:
    """``text`` (the page at ``path``) with what lies between ``block``'s markers replaced by ``numbers``."""
    begin, end = markers(block)
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise UsageError(f"{path} must hold the line {begin!r} once, then the line {end!r} once; put them back "
                         f"around the {block} numbers")
    head, rest = text.split(begin)
    return f"{head}{begin}\n{numbers}\n{end}{rest.split(end, 1)[1]}"


def write_numbers(pages: dict[Path, tuple[str, ...]], results_dir: Path) -> dict[Path, bool]:
    """Write each page's blocks of numbers into it; whether each changed. Every page is checked
    before any is written, so a page missing a marker leaves them all as they were."""
    numbers = {block: block_numbers(block, results_dir) for blocks in pages.values() for block in blocks}
    written = {}
    for path, blocks in pages.items():
        text = path.read_text()
        new = text
        for block in blocks:
            new = with_block(new, numbers[block], path, block)
        written[path] = (text, new)
    for path, (text, new) in written.items():
        if new != text:
            path.write_text(new)
    return {path: text != new for path, (text, new) in written.items()}


def findings_lines(p: leaderboard.Profile) -> list[str]:
    """Each of the paper's findings, checked with paired CIs (as ``make findings``)."""
    lines = ["The paper's findings, checked with paired 95 % CIs over seeds, then images (`make findings`):", ""]
    for entry in findings.summary(findings.check_findings(p)):
        lines.append(f"- {entry['finding']}: **{entry['verdict']}** ({entry['n_hold']}/{len(entry['checks'])} checks)")
    return lines


def doubling_lines(p: leaderboard.Profile, budgets: dict[str, list[doubling.Doubling]]) -> list[str]:
    """The doubling test of the full budget per scenario: half the budget against all of it."""
    rows = {s: found[-1] for s, found in budgets.items() if found}
    if not rows:
        return ["No scenario's learning curves reach half the budget: the doubling test is not measured."]
    lines = [f"The doubling test (B is enough when τ(B, 2B) ≥ {doubling.TAU_ENOUGH} and no pair that 2B orders with a "
             "paired 95 % CI excluding zero is reversed at B):", "",
             "| scenario | B → 2B | τ | reversed at B | enough |", "| --- | --- | --- | --- | --- |"]
    for s, r in rows.items():
        flips = ", ".join(f"{w} > {l}" for w, l in r.reversed)
        lines.append(f"| {s} | {steps(p, r.budget)} → {steps(p, 2 * r.budget)} | {r.tau:.2f} | "
                     f"{len(r.reversed)} of {r.significant}{f' ({flips})' if flips else ''} | "
                     f"{'yes' if r.enough else '**no**'} |")
    return lines


def reversed_lines(p: leaderboard.Profile, reversed_pairs: dict[str, list[disagreement.Disagreement]]) -> list[str]:
    """Every pair the paper separates that is in the other order here, one line per scenario, each
    with its verdict (measured so far: significant or not, settled or not; why, on the site)."""
    lines = [f"Pairs the paper separates by ≥ {agreement.SEPARATION_DB:g} dB that are in the other order here, "
             "measured so far (ours paired, with its 95 % CI; *settled here*: significant, both curves steady and "
             "the same order at half the budget; the scenario pages say why the others are not):", ""]
    for s in p.scenarios:
        separated = disagreement.separated_count(p, s)
        if separated is None:
            continue
        found = reversed_pairs.get(s, [])
        pairs = "; ".join(f"{d.winner} > {d.loser} by {d.paper_diff:.2f} dB in the paper, {d.ours} here: {d.verdict}"
                          for d in found)
        lines.append(f"- `{s}`: {len(found)} of {separated} reversed" + (f". {pairs}" if found else ""))
    return lines
