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

from pipeline.analysis import agreement, disagreement, doubling, findings, gridtime, leaderboard
from pipeline.analysis.verdicts import Verdicts, verdicts
from pipeline.base import tables
from pipeline.base.errors import UsageError
from pipeline.render.build import headline_first
from pipeline.render.pages import AGREEMENT_TARGET, leaderboard_order
from pipeline.render.reference import scale, steps
from pipeline.setting.profiles import QUICK_LOOK

# the pages (from the project's root) and the blocks each holds: a profile's numbers ("headline":
# whichever it is; "headline summary": the same without the table of reversed pairs, for README),
# and the headline's doubling test at every budget and its grid's time
BLOCKS = {"README.md": ("headline summary",), "site/pages/leaderboards.md": ("headline", QUICK_LOOK),
          "site/pages/results-guide.md": ("headline doubling", "headline time")}


def markers(block: str) -> tuple[str, str]:
    """The lines that open and close ``block``'s numbers in a written page."""
    return (f"<!-- {block} numbers: written by `make readme` from results/, do not edit by hand -->",
            f"<!-- end of the {block} numbers -->")


class Numbers:
    """The numbers of a results folder that written pages quote, block by block; each profile's
    verdicts are computed once."""

    def __init__(self, results_dir: Path):
        self.results_dir = results_dir
        self.profiles = {p.name: p for p in headline_first(leaderboard.read_profiles(results_dir), None, results_dir)}
        self.headline = next(iter(self.profiles.values()))
        self.judged: dict[str, Verdicts] = {}

    def verdicts(self, p: leaderboard.Profile) -> Verdicts:
        if p.name not in self.judged:
            self.judged[p.name] = verdicts(p)
        return self.judged[p.name]

    def block(self, name: str) -> str:
        """``name``'s numbers: a profile's (``headline``: the headline's), or the headline's doubling
        test or grid time; a line saying so where the profile has no results."""
        if name == "headline doubling":
            return doubling_table(self.headline, self.verdicts(self.headline).budgets)
        if name == "headline time":
            return time_lines(self.headline)
        if name == "headline summary":
            return profile_block(self.headline, self.verdicts(self.headline), pairs=False)
        p = self.headline if name == "headline" else self.profiles.get(name)
        return profile_block(p, self.verdicts(p)) if p else f"No results of profile `{name}` in `{self.results_dir}`."


def profile_block(p: leaderboard.Profile, judged: Verdicts, pairs: bool = True) -> str:
    """A profile's numbers: its scale and PSNR table, its τ with the paper, the paper's findings
    checked, the full budget's doubling test and the reversed pairs (with ``pairs``, each in a
    table; else their counts, and where the table is)."""
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
    return "\n".join(lines + ["", kernels_line(p), "", agreement_line(judged.taus), "", *findings_lines(p), "",
                              *doubling_lines(p, judged.budgets), "", *reversed_lines(p, judged.reversed_pairs, pairs)])


def psnr(x: float | None) -> str:
    if x is None:
        return "—"
    return "diverged" if math.isnan(x) else f"{x:.2f}"


def kernels_line(p: leaderboard.Profile) -> str:
    """What the profile's runs were computed on (``pipeline.base.kernels``): bit-comparable only
    within one kind, and said when the table mixes kinds."""
    kinds = p.runs.assign(made_on=tables.made_on(p.runs), source=p.runs.kernels_source.fillna("").astype(str))
    counts = kinds.groupby(["made_on", "source"], sort=True).size()
    parts = "; ".join(f"{made_on}{f' ({source})' if source else ''}: {n}" for (made_on, source), n in counts.items())
    mixed = len(set(kinds.made_on)) > 1
    return (f"CPU kernels and threads of its {len(p.runs)} runs (`kernels`, `threads` in `runs.csv`): "
            f"{parts}." + (" **The table mixes them: runs of different kinds are not bit-comparable.**" if mixed else ""))


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


def write_numbers(root: Path, results_dir: Path) -> dict[Path, bool]:
    """Write each page's blocks of numbers (``BLOCKS``, under ``root``) into it; whether each
    changed. Every page is checked before any is written, so a page missing a marker leaves them
    all as they were."""
    found = Numbers(results_dir)
    numbers = {block: found.block(block) for blocks in BLOCKS.values() for block in blocks}
    written = {}
    for page, blocks in BLOCKS.items():
        path = root / page
        if not path.is_file():
            raise UsageError(f"{path} does not exist; pass --root the project's folder, which holds {', '.join(BLOCKS)}")
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
    lines = ["The paper's findings, checked with paired 95 % t-intervals over the training seeds (`make findings`):", ""]
    for entry in findings.summary(findings.check_findings(p)):
        lines.append(f"- {entry['finding']}: **{entry['verdict']}** ({entry['held']})")
    return lines


def doubling_lines(p: leaderboard.Profile, budgets: dict[str, list[doubling.Doubling]]) -> list[str]:
    """The doubling test of the full budget per scenario: half the budget against all of it."""
    rows = {s: found[-1] for s, found in budgets.items() if found}
    if not rows:
        return ["No scenario's learning curves reach half the budget: the doubling test is not measured."]
    lines = [f"The doubling test (B is enough when τ(B, 2B) ≥ {doubling.TAU_ENOUGH} and no pair that 2B orders with a "
             "paired 95 % CI excluding zero is reversed at B):", "",
             "| scenario | B → 2B | τ | pairs in the other order at B | of those, separated at 2B (of all it separates) | enough |",
             "| --- | --- | --- | --- | --- | --- |"]
    for s, r in rows.items():
        flips = ", ".join(f"{w} > {l}" for w, l in r.reversed)
        lines.append(f"| {s} | {steps(p, r.budget)} → {steps(p, 2 * r.budget)} | {r.tau:.2f} | {r.discordant} | "
                     f"{len(r.reversed)} of {r.significant}{f' ({flips})' if flips else ''} | "
                     f"{'yes' if r.enough else '**no**'} |")
    return lines


def reversed_lines(p: leaderboard.Profile, reversed_pairs: dict[str, list[disagreement.Disagreement]],
                   table: bool = True) -> list[str]:
    """Every pair the paper separates that is in the other order here: how many per scenario, then
    one row per pair with its verdict (measured so far: significant or not, settled or not; why,
    on the site)."""
    counts, rows = [], []
    for s in p.scenarios:
        separated = disagreement.separated_count(p, s)
        if separated is None:
            continue
        found = reversed_pairs.get(s, [])
        counts.append(f"{len(found)} of {separated} `{s}`")
        rows += [f"| `{s}` | {d.winner} > {d.loser} | {d.paper_diff:.2f} | {d.ours} | {d.verdict} |" for d in found]
    lines = [f"Pairs the paper separates by ≥ {agreement.SEPARATION_DB:g} dB that are in the other order here, "
             f"measured so far: {', '.join(counts)} (ours paired, with its 95 % interval; *settled here*: significant, "
             "both curves steady and the same order at half the budget; the scenario pages say why the others are not)."]
    if rows and not table:
        lines[0] += " Each pair, with its verdict: [The committed leaderboards](site/pages/leaderboards.md)."
    elif rows:
        lines += ["", "| scenario | the paper's order | its gap (dB) | ours here (dB) [95 % CI] | verdict |",
                  "| --- | --- | --- | --- | --- |", *rows]
    return lines


def doubling_table(p: leaderboard.Profile, budgets: dict[str, list[doubling.Doubling]]) -> str:
    """The doubling test at every budget the learning curves reach, per scenario; the reversed
    pairs listed under the table, which would make its rows too long to read."""
    rows = [r for found in budgets.values() for r in found]
    if not rows:
        return "No scenario's learning curves reach a doubled budget: the doubling test is not measured."
    lines = [f"Profile `{p.name}`, the paper's methods (variants left out). The last column is the training time "
             "of one seed of the scenario's methods at 2B, from each run's measured seconds, mean over seeds.", "",
             "| scenario | B → 2B | τ(B, 2B) | pairs in the other order at B (tied at 2B) | pairs ordered at 2B "
             "(CI excludes 0) | of those reversed at B | enough? | training at 2B, one seed |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    per_epoch, unit = doubling.budget_unit(p)
    reversed_pairs = []
    for r in rows:
        budget = f"{r.budget * per_epoch:,} → {2 * r.budget * per_epoch:,} {unit}"
        lines.append(f"| {r.scenario} | {budget} | {r.tau:.2f} | {r.discordant} ({r.tied}) | {r.significant} | "
                     f"{len(r.reversed)} | {'yes' if r.enough else 'no'} | {r.hours_per_seed:.1f} run-hours |")
        if r.reversed:
            reversed_pairs.append(f"- `{r.scenario}`, {budget}: {', '.join(f'{w} > {l}' for w, l in r.reversed)}")
    if reversed_pairs:
        lines += ["", "The pairs ordered at 2B that B orders the other way (the first method of each is ahead at 2B, behind at B):", "", *reversed_pairs]
    return "\n".join(lines)


def time_lines(p: leaderboard.Profile) -> str:
    """The grid's time from its runs' own seconds (``make findings`` prints the same)."""
    return f"```text\n{gridtime.report(p)}\n```"
