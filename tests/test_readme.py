"""The numbers README and the leaderboards page quote are the committed results': ``python -m
pipeline readme`` writes them."""

from __future__ import annotations

import pytest

from pipeline.render.readme import BLOCKS, Numbers, markers, with_block
from pipeline.analysis import leaderboard
from tests.conftest import ROOT, run_cli

README = ROOT / "README.md"
LEADERBOARDS = ROOT / "site" / "pages" / "leaderboards.md"


@pytest.fixture(scope="module")
def numbers():
    return Numbers(ROOT / "results")


@pytest.mark.parametrize("page, block", [(page, block) for page, blocks in BLOCKS.items() for block in blocks])
def test_each_written_page_shows_the_committed_numbers(page, block, numbers):
    """Fails when the results (or the headline) changed and `make readme` was not run."""
    begin, end = markers(block)
    shown = (ROOT / page).read_text().split(begin, 1)[1].split(end, 1)[0]
    assert shown == f"\n{numbers.block(block)}\n", f"run `make readme` and commit {page}"


def test_the_leaderboards_page_shows_the_headline_and_the_quick_look():
    text = LEADERBOARDS.read_text()
    assert "\nProfile `cpu`: PSNR" in text and "\nProfile `quick`: PSNR" in text


def test_the_block_is_the_headlines_leaderboard(numbers):
    block, p = numbers.block("headline"), numbers.headline
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


@pytest.fixture(scope="module")
def printed(numbers):
    """`make findings` on the headline."""
    done = run_cli("findings", "--profile", numbers.headline.name, "--results-dir", str(ROOT / "results"))
    assert done.returncode == 0, done.stderr
    return done


def doubling_rows(printed, p) -> list[tuple[str, str]]:
    """(scenario, tau) of every doubling row that findings prints, and whether B is enough."""
    rows = []
    for line in printed.stdout.splitlines():
        words = line.split()
        if len(words) > 6 and words[0] in p.scenarios and words[1] == "B" and words[6] == "tau":
            rows.append((words[0], f"{float(words[7]):.2f}", "NOT enough" not in line))
    return rows


def test_the_block_lists_the_pairs_and_doubling_test_that_findings_prints(numbers, printed):
    """README's reversed pairs and doubling verdicts are `make findings`' own, scenario by scenario."""
    block, p = numbers.block("headline"), numbers.headline
    counts = block.split("in the other order here, measured so far: ", 1)[1].split(" (ours paired", 1)[0]
    listed = {c.split("`")[1]: c.split(" `")[0] for c in counts.split(", ")}  # scenario -> "k of n"
    pairs = [r.split(" | ") for r in block.splitlines() if r.startswith("| `") and " > " in r]
    listed_pairs = {(r[0].strip("| `"), r[1]): r[4].rstrip(" |") for r in pairs}
    scenario, checked = None, 0
    for line in printed.stdout.splitlines():
        words = line.split()
        if len(words) > 4 and words[0].rstrip(":") in p.scenarios and words[2] == "of" and words[4] == "reversed":
            scenario = words[0].rstrip(":")
            assert listed[scenario] == f"{words[1]} of {words[3]}", (scenario, listed[scenario])
        elif " in the paper by " in line:
            winner, _, loser = words[:3]
            verdict = line.split("]: ", 1)[1].split(" (", 1)[0] if "]: " in line else line.rsplit(": ", 1)[1]
            assert listed_pairs[(scenario, f"{winner} > {loser}")] == verdict, line
            checked += 1
    assert checked == len(listed_pairs) == len(pairs)  # every pair listed is one findings prints, once
    full_budget = {s: (tau, enough) for s, tau, enough in doubling_rows(printed, p)}  # each scenario's last row
    rows = {r.split(" | ")[0].removeprefix("| "): r for r in block.splitlines() if r.startswith("| ") and " → " in r and not r.startswith("| scenario")}
    assert set(rows) == set(full_budget)
    for scenario, (tau, enough) in full_budget.items():
        assert f" | {tau} | " in rows[scenario] and rows[scenario].endswith("| yes |" if enough else "| **no** |")


def test_the_results_guide_shows_every_doubling_row_that_findings_prints(numbers, printed):
    block = numbers.block("headline doubling").splitlines()
    table = [r.split(" | ") for r in block if r.startswith("| ") and " → " in r and not r.startswith("| scenario")]
    assert [(r[0].strip("| "), r[2], r[6] == "yes") for r in table] == doubling_rows(printed, numbers.headline)
    listed = {line.split(": ", 1)[0]: line.split(": ", 1)[1].split(", ") for line in block if line.startswith("- `")}
    counted = {f"- `{r[0].strip('| ')}`, {r[1]}": int(r[5]) for r in table if r[5] != "0"}
    assert {row: len(pairs) for row, pairs in listed.items()} == counted  # the pairs under each row that has some


def test_the_results_guide_shows_the_grid_time_that_findings_prints(numbers, printed):
    shown = numbers.block("headline time").removeprefix("```text\n").removesuffix("\n```")
    assert shown.startswith(f"Grid time, profile {numbers.headline.name}") and shown in printed.stdout


def copies(tmp_path):
    """The written pages copied under ``tmp_path``, with a stale number in each block."""
    for page, blocks in BLOCKS.items():
        text = (ROOT / page).read_text()
        for block in blocks:
            text = with_block(text, "| stale | 1.00 |", tmp_path / page, block)
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(text)
    return tmp_path


def test_the_command_rewrites_only_the_blocks(tmp_path):
    root = copies(tmp_path)
    command = ("readme", "--root", str(root), "--results-dir", str(ROOT / "results"))
    result = run_cli(*command)
    assert result.returncode == 0 and result.stderr.count(" written") == len(BLOCKS), result.stderr
    assert all((root / page).read_text() == (ROOT / page).read_text() for page in BLOCKS)
    again = run_cli(*command)
    assert again.returncode == 0 and again.stderr.count("already current") == len(BLOCKS)


@pytest.mark.parametrize("page", list(BLOCKS))
def test_a_page_without_its_markers_is_a_one_line_error_and_every_page_is_left_alone(tmp_path, page):
    root = copies(tmp_path)
    broken = root / page
    broken.write_text(broken.read_text().replace(markers(BLOCKS[page][-1])[1], ""))
    before = {p: (root / p).read_text() for p in BLOCKS}
    result = run_cli("readme", "--root", str(root), "--results-dir", str(ROOT / "results"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "must hold the line" in result.stderr
    assert {p: (root / p).read_text() for p in BLOCKS} == before


def test_a_root_without_the_pages_is_a_one_line_error(tmp_path):
    result = run_cli("readme", "--root", str(tmp_path), "--results-dir", str(ROOT / "results"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "pass --root the project's folder" in result.stderr
