"""The numbers README and the leaderboards page quote are the committed results': ``python -m
pipeline readme`` writes them."""

from __future__ import annotations

import pytest

from pipeline.render.readme import BEGIN, BLOCKS, END, LEADERBOARDS, block_numbers, headline_block, markers, with_block
from pipeline.render.build import headline_first
from pipeline.analysis import leaderboard
from tests.conftest import ROOT, run_cli

README = ROOT / "README.md"


def between_markers(text: str) -> str:
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


@pytest.mark.parametrize("path, block", [(path, block) for path, blocks in BLOCKS.items() for block in blocks],
                         ids=lambda x: getattr(x, "name", x))
def test_each_written_page_shows_the_committed_numbers(path, block):
    """Fails when the results (or the headline) changed and `make readme` was not run."""
    begin, end = markers(block)
    shown = path.read_text().split(begin, 1)[1].split(end, 1)[0]
    assert shown == f"\n{block_numbers(block, ROOT / 'results')}\n", f"run `make readme` and commit {path.name}"


def test_the_leaderboards_page_shows_the_headline_and_the_quick_look():
    text = LEADERBOARDS.read_text()
    assert "\nProfile `cpu`: PSNR" in text and "\nProfile `quick`: PSNR" in text


def test_the_block_is_the_headlines_leaderboard():
    block = headline_block(ROOT / "results")
    p = headline_first(leaderboard.read_profiles(ROOT / "results"), None, ROOT / "results")[0]
    assert block.startswith(f"Profile `{p.name}`")
    leaderboard_table = block.split("\n\n")[1]  # the scale line, then the table
    rows = [line for line in leaderboard_table.splitlines() if not line.startswith(("| method", "| ---"))]
    assert len(rows) == p.runs.method.nunique()  # every method once, variants included
    for s, column in zip(p.scenarios, range(2, 2 + len(p.scenarios))):
        table = leaderboard.scenario_table(p, s).set_index("method")
        for line in rows:
            method = line.split("|")[1].strip().strip("*").removesuffix(" (variant, not in the paper)")
            cell = line.split("|")[column].strip()
            assert cell == (f"{table.psnr[method]:.2f}" if method in table.index else "—"), (s, method)


def test_the_block_lists_the_pairs_and_doubling_test_that_findings_prints():
    """README's reversed pairs and doubling verdicts are `make findings`' own, scenario by scenario."""
    block = headline_block(ROOT / "results")
    p = headline_first(leaderboard.read_profiles(ROOT / "results"), None, ROOT / "results")[0]
    printed = run_cli("findings", "--profile", p.name, "--results-dir", str(ROOT / "results"))
    assert printed.returncode == 0, printed.stderr
    listed = {line.split("`")[1]: line for line in block.splitlines() if line.startswith("- `")}
    scenario, checked = None, 0
    for line in printed.stdout.splitlines():
        words = line.split()
        if len(words) > 4 and words[0].rstrip(":") in p.scenarios and words[2] == "of" and words[4] == "reversed":
            scenario = words[0].rstrip(":")
            assert listed[scenario].startswith(f"- `{scenario}`: {words[1]} of {words[3]} reversed"), listed[scenario]
        elif " in the paper by " in line:
            winner, _, loser = words[:3]
            verdict = line.split("]: ", 1)[1].split(" (", 1)[0] if "]: " in line else line.rsplit(": ", 1)[1]
            pairs = listed[scenario].split(" reversed. ", 1)[1].split("; ")
            assert any(pair.startswith(f"{winner} > {loser} by ") and pair.endswith(f": {verdict}") for pair in pairs), line
            checked += 1
    assert checked == sum(len(line.split(" reversed. ", 1)[1].split("; ")) for line in listed.values()
                          if " reversed. " in line)  # every pair listed is one findings prints
    full_budget = {}  # scenario -> (tau, enough) of its last doubling row: the full budget's
    for line in printed.stdout.splitlines():
        words = line.split()
        if len(words) > 6 and words[0] in p.scenarios and words[1] == "B" and words[6] == "tau":
            full_budget[words[0]] = (f"{float(words[7]):.2f}", "NOT enough" not in line)
    rows = {r.split(" | ")[0].removeprefix("| "): r for r in block.splitlines() if r.startswith("| ") and " → " in r and not r.startswith("| scenario")}
    assert set(rows) == set(full_budget)
    for scenario, (tau, enough) in full_budget.items():
        assert f" | {tau} | " in rows[scenario] and rows[scenario].endswith("| yes |" if enough else "| **no** |")


def copies(tmp_path):
    """README and the leaderboards page copied, with a stale number in each block."""
    readme, page = tmp_path / "README.md", tmp_path / "leaderboards.md"
    readme.write_text(with_block(README.read_text(), "| stale | 1.00 |", readme))
    text = LEADERBOARDS.read_text()
    for block in BLOCKS[LEADERBOARDS]:
        text = with_block(text, "| stale | 2.00 |", page, block)
    page.write_text(text)
    return readme, page


def test_the_command_rewrites_only_the_blocks(tmp_path):
    readme, page = copies(tmp_path)
    command = ("readme", "--readme", str(readme), "--leaderboards", str(page), "--results-dir", str(ROOT / "results"))
    result = run_cli(*command)
    assert result.returncode == 0 and result.stderr.count(" written") == 2, result.stderr
    assert readme.read_text() == README.read_text() and page.read_text() == LEADERBOARDS.read_text()
    again = run_cli(*command)
    assert again.returncode == 0 and again.stderr.count("already current") == 2


@pytest.mark.parametrize("which", ["readme", "leaderboards"])
def test_a_page_without_its_markers_is_a_one_line_error_and_is_left_alone(tmp_path, which):
    readme, page = copies(tmp_path)
    broken = {"readme": readme, "leaderboards": page}[which]
    broken.write_text(broken.read_text().replace(markers("quick" if which == "leaderboards" else "headline")[1], ""))
    before = broken.read_text()
    result = run_cli("readme", "--readme", str(readme), "--leaderboards", str(page), "--results-dir", str(ROOT / "results"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "must hold the line" in result.stderr and broken.read_text() == before
