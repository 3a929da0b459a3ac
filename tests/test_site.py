"""The leaderboard site: page data from a real smoke results folder, and the built HTML."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import agreement, findings, leaderboard
from pipeline.base.formats import interval
from pipeline.cli import main
from pipeline.base.errors import UsageError
from pipeline.grid.plan import pairs
from pipeline.methods import registry
from pipeline.analysis.published import PUBLISHED
from pipeline.render import build_site
from pipeline.render.build import STAMP
from pipeline.render.markup import docstring_markdown
from tests.conftest import ROOT, make, run_cli


@pytest.fixture(scope="module")
def smoke_profile(smoke_grid):
    (profile,) = [p for p in leaderboard.read_profiles(smoke_grid.results) if p.name == "smoke"]
    return profile


def copy_tables(results, to):
    """The smoke profile's tables (not its run folders) and the catalogue beside them, into ``to``."""
    shutil.copytree(results / "smoke", to / "smoke", ignore=shutil.ignore_patterns("runs"))
    shutil.copy(results / "catalogue.json", to)


@pytest.fixture(scope="module")
def built_site(smoke_grid, tmp_path_factory):
    return build_site(smoke_grid.results, tmp_path_factory.mktemp("site"))


def test_published_numbers_cover_exactly_our_grid_less_the_variants():
    assert {(s, m) for s, rows in PUBLISHED.items() for m in rows} == {
        (s, m) for s, m in pairs() if registry()[m].in_paper}


def test_scenario_table_marks_references_and_the_best_learner(smoke_profile):
    for scenario in smoke_profile.scenarios:
        table = leaderboard.scenario_table(smoke_profile, scenario)
        assert set(table.method) == {m for s, m in pairs() if s == scenario}
        paper = table[~table.variant]
        ranked = paper[paper["rank"].notna()]  # in rank order (never =10, =11, =10 down the page), then PSNR
        assert list(zip(ranked["rank"], -ranked.psnr)) == sorted(zip(ranked["rank"], -ranked.psnr))
        for i in table.index[table.variant]:  # each variant just below its parent
            assert table.method[i - 1] == table.variant_of[i] or table.variant[i - 1]
        assert set(table[table.reference].method) == {"supervised", "zero-filled"}
        best = table[table.best]
        assert len(best) == 1 and not best.reference.item() and not best.variant.item()
        assert best.psnr.item() == paper[~paper.reference].psnr.max()
        assert table["rank"].min() == 1 and table.tied.dtype == bool


def test_paired_comparison_uses_the_same_images(smoke_profile):
    comparison = leaderboard.paired_comparison(smoke_profile, "mri", "zero-filled")
    assert "zero-filled" not in set(comparison.method)
    images = smoke_profile.per_image
    ei = images[(images.scenario == "mri") & (images.method == "ei")].set_index("image_id").psnr
    zf = images[(images.scenario == "mri") & (images.method == "zero-filled")].set_index("image_id").psnr
    row = comparison.set_index("method").loc["ei"]
    assert row.psnr_diff == pytest.approx((ei - zf).mean())
    assert np.isnan(row.psnr_diff_low) and np.isnan(row.psnr_diff_high)  # one seed: no interval
    assert row.share_better == pytest.approx(((ei - zf) > 0).mean())


def test_methods_within_each_others_paired_ci_share_a_rank_and_variants_move_no_one():
    rng = np.random.default_rng(0)
    base = rng.normal(25, 2, size=(3, 16))  # seeds x images: what every method shares
    offsets = {"a": 2.0, "b": 0.0, "c": 0.0, "a-variant": 4.0}
    rows = [{"method": m, "seed": s, "image_id": i, "psnr": base[s, i] + off + rng.normal(0, 0.3)}
            for m, off in offsets.items() for s in range(3) for i in range(16)]
    ranks = leaderboard.significant_ranks(pd.DataFrame(rows), list(offsets), ["a", "b", "c"])
    assert ranks == {"a": 1, "b": 2, "c": 2, "a-variant": 1}


def test_empty_or_broken_results_fail_with_a_clear_message(tmp_path, smoke_grid):
    with pytest.raises(UsageError, match="no results in"):
        leaderboard.read_profiles(tmp_path)
    broken = tmp_path / "broken"
    copy_tables(smoke_grid.results, broken)
    pd.read_csv(broken / "smoke" / "runs.csv").drop(columns=["ssim_ci_low"]).to_csv(broken / "smoke" / "runs.csv", index=False)
    with pytest.raises(UsageError, match="lacks column.*ssim_ci_low"):
        leaderboard.read_profiles(broken)


def cut_bytes(path):
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])


def cut_lines(path):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]))


@pytest.mark.parametrize("table, damage, message", [
    ("runs.csv", cut_bytes, "incomplete; run `make collect PROFILE=smoke` again"),
    ("runs.csv", cut_lines, "incomplete; run `make collect PROFILE=smoke` again"),
    ("runs.csv", lambda p: p.write_bytes(bytes(range(256)) * 4), "cannot be read"),
    ("runs.csv", lambda p: p.write_bytes(b""), "cannot be read (No columns to parse from file)"),
    ("per_image.csv", cut_bytes, "incomplete; run `make collect PROFILE=smoke` again"),
    ("per_image.csv", cut_lines, "incomplete; run `make collect PROFILE=smoke` again"),
], ids=["runs-cut-mid-row", "runs-cut-at-a-row", "runs-binary", "runs-empty", "images-cut-mid-row", "images-cut-at-a-row"])
def test_site_and_findings_refuse_damaged_tables_in_one_line(tmp_path, smoke_grid, capsys, table, damage, message):
    broken = tmp_path / "results"
    copy_tables(smoke_grid.results, broken)
    damage(broken / "smoke" / table)
    for command in (["findings", "--profile", "smoke"], ["site", "--out", str(tmp_path / "site")]):
        assert main([*command, "--results-dir", str(broken)]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith(f"error: {broken / 'smoke'}") and message in line, line
    assert not (tmp_path / "site").exists()


def test_docstring_maths_becomes_latex_and_prose_is_escaped():
    text = docstring_markdown("Loss <b>bold</b> with :math:`a<b`, ``FullLoss``, *every* [x](y).\n\n"
                              ".. math::\n\n    x < y\n\n    [x](y)\n\nEnd.")
    assert "&lt;b&gt;bold" in text and "&#91;x&#93;(y)" in text and "[x]" not in text  # no Markdown link
    assert "<code>FullLoss</code>" in text and "<em>every</em>" in text
    # what pymdownx.arithmatex makes of \( \) and \[ \], its TeX escaped: no TeX can end the maths early
    assert '<span class="arithmatex">&#92;(a&lt;b&#92;)</span>' in text
    assert html.unescape(text).count('<div class="arithmatex">\n\\[\nx < y\n\n[x](y)\n\\]\n</div>') == 1


def test_every_page_is_built(built_site, smoke_profile):
    assert (built_site / "index.html").exists()
    for scenario in smoke_profile.scenarios:
        assert (built_site / "scenarios" / f"smoke-{scenario}" / "index.html").exists()
    for method in registry():
        assert (built_site / "methods" / method / "index.html").exists()
    for page in ("published", "how-to", "reproducibility", "contribute"):
        assert (built_site / page / "index.html").exists()
    assert (built_site / "downloads" / "smoke" / "runs.csv").exists()
    assert (built_site / "assets" / "plotly.min.js").exists()


def test_home_page_lists_every_run_and_loads_nothing_remote(built_site, smoke_profile):
    home = (built_site / "index.html").read_text()
    for method in smoke_profile.runs.method.unique():
        assert f'href="methods/{method}/"' in home
    assert 'class="findings" data-profile="smoke"' in home and findings.SUPERVISED_BEST in home
    for entry in findings.summary(findings.check_findings(smoke_profile)):
        n = sum(c.holds for c in entry["checks"])
        assert f"{entry['verdict']}: {n} of {len(entry['checks'])} check{'s' if len(entry['checks']) > 1 else ''} hold" in home
    mri = {a.metric: a for a in agreement.agreement(smoke_profile) if a.scenario == "mri"}["psnr"]
    assert mri.separated > 0 and f"{mri.same_order}/{mri.separated} <small>of the paper" in home
    for page in built_site.rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis" not in text and "cdn." not in text, page


def test_each_scenario_page_lists_the_pairs_it_orders_unlike_the_paper(built_site, smoke_profile):
    from pipeline.analysis.disagreement import disagreements

    home = (built_site / "index.html").read_text()
    for scenario in ("mri", "multicoil"):
        found = disagreements(smoke_profile, scenario)
        page = (built_site / "scenarios" / f"smoke-{scenario}" / "index.html").read_text()
        assert 'id="where-ours-and-the-paper-disagree"' in page
        if found:
            table = html.unescape(page.split('<table class="disagreements">')[1].split("</table>")[0])
            assert table.count("<tr>") == len(found) + 1  # the header row and one per pair
            assert all(f"{d.winner} > {d.loser}" in table and d.verdict in table for d in found)
        else:
            assert "every pair the paper separates by at least 1 dB is in the paper" in page
        assert f'href="scenarios/smoke-{scenario}/#where-ours-and-the-paper-disagree">{len(found)} reversed</a>' in home


def test_a_scenario_page_shows_the_doubling_test_of_its_curves(workspace):
    from pipeline.analysis import doubling

    grid = ["--profile", "smoke", "--epochs", "2", "--scenarios", "mri", "--methods", "zero-filled,supervised,mc,ei"]
    assert main(workspace.args("benchmark", *grid)) == 0
    (profile,) = leaderboard.read_profiles(workspace.results)
    (row,) = doubling.doubling(profile, "mri")  # curve points at epochs 1 and 2
    site = build_site(workspace.results, workspace.results.parent / "site")
    page = (site / "scenarios" / "smoke-mri" / "index.html").read_text()
    table = page.split('<table class="doubling">')[1].split("</table>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.split("<tbody>")[1])
    assert cells[:4] == ["1 → 2", f"{row.tau:+.2f}", f"{row.discordant} ({row.tied})", str(row.significant)]
    assert cells[4].startswith(str(len(row.reversed))) and cells[5] == ("yes" if row.enough else "no")
    assert cells[6] == f"{row.hours_per_seed:.1f} h" and row.hours_per_seed > 0
    home = (site / "index.html").read_text()
    assert f"budget 1 → 2 epochs: τ {row.tau:+.2f}, {len(row.reversed)} reversed" in home


def test_method_page_shows_its_source_unmangled(built_site):
    page = (built_site / "methods" / "moc-ssdu-full" / "index.html").read_text()
    assert "&amp;#34;" not in page and "&#34;&#34;&#34;" not in page
    assert "FullMeasurementLoss" in page


def test_a_method_page_shows_where_it_ranks_as_the_contribution_report_does(built_site, smoke_profile):
    from pipeline.analysis import contribute

    page = (built_site / "methods" / "ei" / "index.html").read_text()
    assert "Where it ranks in each scenario" in page
    ranks = [line.split("**")[1] for line in contribute.standing(smoke_profile, "ei") if line.startswith("**Rank")]
    assert len(ranks) == len(registry()["ei"].scenarios)  # one section per scenario, as in the report
    assert all(rank in page for rank in ranks)  # "Rank =2 of 15", as the report words it
    assert page.count("Verdict: ") == len(ranks)


def test_the_contribute_page_shows_the_worked_example_and_its_report(built_site):
    page = re.sub(r"<[^>]+>", "", (built_site / "contribute" / "index.html").read_text())  # code is highlighted
    assert "class FlipEquivariantLoss" in page and "make contribute METHOD=flip-ei PROFILE=quick" in page
    assert ("Contribution report" in page) == (ROOT / "examples" / "flip_ei.report.md").is_file()


def test_gallery_images_are_written(built_site, smoke_profile):
    gallery = built_site / "assets" / "gallery" / "smoke" / "mri"
    assert (gallery / "target-0.png").exists()
    for method in ("zero-filled", "ei", "supervised"):
        assert (gallery / f"{method}-0.png").exists() and (gallery / f"{method}-0-error.png").exists()


def test_a_method_name_that_is_markup_is_refused_before_any_page(smoke_grid, tmp_path, capsys):
    """A method name in runs.csv cannot inject HTML into the site: the gate refuses it (tests/test_gate.py
    has the other names); free text from results is escaped (tests/test_hostile_site.py)."""
    results = tmp_path / "results"
    copy_tables(smoke_grid.results, results)
    evil = "<script>alert(1)</script>"
    for table in ("runs.csv", "per_image.csv"):
        frame = pd.read_csv(results / "smoke" / table)
        frame.loc[frame.method == "mc", "method"] = evil
        frame.to_csv(results / "smoke" / table, index=False)
    assert main(["site", "--results-dir", str(results), "--out", str(tmp_path / "site")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert f"method name {evil!r}" in line and "is not allowed" in line
    assert not (tmp_path / "site").exists()


def test_several_seeds_are_averaged_with_their_spread(workspace):
    from pipeline.cli import main

    args = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "noisy",
                          "--methods", "supervised,zero-filled", "--seeds", "0,1")
    assert main(args) == 0
    (profile,) = leaderboard.read_profiles(workspace.results)
    assert len(profile.runs) == 4
    table = leaderboard.scenario_table(profile, "noisy").set_index("method")
    assert (table.seeds == 2).all()
    runs = profile.runs[profile.runs.method == "supervised"]
    assert table.loc["supervised", "psnr"] == pytest.approx(runs.psnr.mean())
    assert table.loc["supervised", "psnr_seed_std"] == pytest.approx(runs.psnr.std())
    comparison = leaderboard.paired_comparison(profile, "noisy", "zero-filled")
    images = profile.per_image
    assert len(images[images.method == "supervised"]) == 2 * profile.runs.n_test.iloc[0]
    assert comparison.set_index("method").loc["supervised", "share_better"] >= 0
    summary = pd.read_csv(workspace.results / "smoke" / "summary.csv").set_index("method")
    assert summary.loc["supervised", "seeds"] == 2
    assert summary.loc["supervised", "psnr_seed_std"] == pytest.approx(runs.psnr.std(), rel=1e-5)
    html = build_site(workspace.results, workspace.results.parent / "site")
    assert '2 <small class="ci">±' in (html / "scenarios" / "smoke-noisy" / "index.html").read_text()
    home = (html / "index.html").read_text()
    assert f"±{table.loc['supervised', 'psnr_seed_std']:.2f}</small>" in home


def test_home_links_only_the_scenario_pages_that_exist_and_the_build_is_strict(tmp_path, smoke_grid):
    results = tmp_path / "results"
    copy_tables(smoke_grid.results, results)
    for table in ("runs.csv", "per_image.csv", "summary.csv", "curves.csv"):
        frame = pd.read_csv(results / "smoke" / table)
        frame[frame.scenario == "mri"].to_csv(results / "smoke" / table, index=False)
    shutil.copytree(smoke_grid.results / "smoke" / "runs" / "mri", results / "smoke" / "runs" / "mri")
    html = build_site(results, tmp_path / "site")  # strict: a link to a missing page would fail it
    home = (html / "index.html").read_text()
    assert 'href="scenarios/smoke-mri/"' in home and "smoke-noisy" not in home


def test_scenario_page_says_how_each_learning_curve_ended(tmp_path, smoke_grid):
    results = tmp_path / "results"
    copy_tables(smoke_grid.results, results)
    shutil.copytree(smoke_grid.results / "smoke" / "runs" / "mri", results / "smoke" / "runs" / "mri")
    for table in ("runs.csv", "per_image.csv", "summary.csv"):
        frame = pd.read_csv(results / "smoke" / table)
        frame[frame.scenario == "mri"].to_csv(results / "smoke" / table, index=False)
    curves = pd.read_csv(results / "smoke" / "curves.csv")
    one = curves[(curves.scenario == "mri") & (curves.method == "ei")].iloc[0]  # smoke trains one epoch: one point
    swinging = pd.DataFrame([{**one, "epoch": e, "psnr": p} for e, p in zip(range(1, 7), [15, 18, 19, 16.5, 19, 18.7])])
    swinging.to_csv(results / "smoke" / "curves.csv", index=False)
    html = build_site(results, tmp_path / "site")
    page = (html / "scenarios" / "smoke-mri" / "index.html").read_text()
    assert "ended (hover for the numbers)" in page
    assert ('<td class="curve-end"><span class="curve unsteady" title="unsteady (steps up to 2.5 dB late in training)">'
            '↯ unsteady</span></td>') in page
    assert page.count('<td class="curve-end">—</td>') == len(pd.read_csv(results / "smoke" / "runs.csv")) - 1
    assert "learning curves (failing checks)" in (html / "index.html").read_text()


# Runs ``python -m pipeline ARGS`` in a process where importing torch, torchvision or deepinv fails.
WITHOUT_TORCH = """
import runpy, sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "torchvision", "deepinv"):
            raise ImportError(f"{name} is not installed (this test hides it)")
sys.meta_path.insert(0, NoTorch())
sys.argv = ["pipeline", *sys.argv[1:]]
runpy.run_module("pipeline", run_name="__main__")
"""


def test_the_site_and_findings_need_no_torch(smoke_grid, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in (["site", "--out", str(tmp_path / "site")], ["findings", "--profile", "smoke"]):
        done = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, *command, "--results-dir", str(smoke_grid.results)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "html" / "methods" / "ssdu" / "index.html").exists()


def test_without_a_catalogue_the_site_says_to_collect_again(smoke_grid, tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(smoke_grid.results, results)
    (results / "catalogue.json").write_text('{"methods": {"ssdu": {"name": "ssdu"}}}')
    assert main(["site", "--results-dir", str(results), "--out", str(tmp_path / "site")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {results / 'catalogue.json'} is damaged (")
    (results / "catalogue.json").unlink()
    assert main(["findings", "--profile", "smoke", "--results-dir", str(results)]) == 2
    assert capsys.readouterr().err == (f"error: {results / 'catalogue.json'} is missing: "
                                       "run `make collect` (python -m pipeline collect) to write it again\n")


def test_a_strict_mkdocs_failure_says_why_in_one_line(smoke_grid, tmp_path, monkeypatch):
    from pipeline.render import build as site

    real = site.write_tutorial

    def with_a_broken_link(docs):
        real(docs)
        (docs / "tutorial.md").write_text((docs / "tutorial.md").read_text() + "\n[gone](no-such-page.md)\n")

    monkeypatch.setattr(site, "write_tutorial", with_a_broken_link)
    with pytest.raises(UsageError, match=r"^mkdocs refused to build the site \(strict\): .*no-such-page\.md"):
        build_site(smoke_grid.results, tmp_path / "site")
    assert not (tmp_path / "site" / "html").exists()  # nothing half-built is left as the site


def test_the_home_page_names_the_scenarios_below_the_agreement_target(smoke_profile):
    from pipeline.analysis import agreement
    from pipeline.analysis.verdicts import Verdicts
    from pipeline.render.pages import AGREEMENT_TARGET, agreement_panel

    taus = {"smoke": [agreement.Agreement("smoke", s, metric, tau, 10) for s, tau in
                      [("mri", 0.9), ("noisy", 0.3), ("single", 0.8), ("multicoil", -0.1)] for metric in ("psnr", "ssim")]}
    none = {s: [] for s in smoke_profile.scenarios}
    (row,) = agreement_panel([smoke_profile], {"smoke": Verdicts(taus["smoke"], none, none)})["rows"]
    assert row["short"] == [("noisy", 0.3), ("multicoil", -0.1)] and AGREEMENT_TARGET == 0.8


def test_the_site_refuses_a_folder_it_did_not_build_and_deletes_nothing(smoke_grid, tmp_path):
    theirs = tmp_path / "thesis"
    (theirs / "docs").mkdir(parents=True)
    (theirs / "html").mkdir()
    (theirs / "docs" / "thesis.txt").write_text("years of work")
    (theirs / "html" / "page.html").write_text("<p>mine</p>")
    done = run_cli("site", "--results-dir", str(smoke_grid.results), "--out", str(theirs))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (f"error: --out {theirs} is not empty and holds no site built by `make site` (no {STAMP}), so its "
                    "docs/ and html/ will not be replaced: choose a new or empty folder, or remove this one")
    assert (theirs / "docs" / "thesis.txt").read_text() == "years of work"
    assert (theirs / "html" / "page.html").read_text() == "<p>mine</p>"
    assert sorted(p.name for p in theirs.rglob("*")) == ["docs", "html", "page.html", "thesis.txt"]


def test_the_site_is_built_again_into_a_folder_it_built(smoke_grid, tmp_path):
    out = tmp_path / "site"
    build_site(smoke_grid.results, out)
    assert (out / STAMP).is_file()
    (out / "html" / "stale.html").write_text("from an older build")
    assert build_site(smoke_grid.results, out) == out / "html"  # its own folder: replaced whole
    assert (out / "html" / "index.html").is_file() and not (out / "html" / "stale.html").exists()
    (out / STAMP).unlink()  # a site built before the stamp existed: docs/ and html/ only
    build_site(smoke_grid.results, out)
    assert (out / STAMP).is_file()
    (out / STAMP).unlink()
    (out / "notes.txt").write_text("mine")  # ... but not one with something else beside them
    with pytest.raises(UsageError, match=r"^--out .* is not empty and holds no site built by `make site`"):
        build_site(smoke_grid.results, out)
    assert (out / "notes.txt").read_text() == "mine" and (out / "html" / "index.html").is_file()


@pytest.mark.parametrize("profile, message", [
    ("nope", "error: unknown profile 'nope'; choose one of: smoke, quick, cpu, paper"),
    ("paper", "error: no results for profile 'paper' in "),
])
def test_make_site_refuses_a_profile_it_cannot_lead_with(smoke_grid, tmp_path, capsys, profile, message):
    assert main(["site", "--results-dir", str(smoke_grid.results), "--out", str(tmp_path / "site"), "--profile", profile]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(message), line
    assert not (tmp_path / "site").exists()


def test_make_site_with_a_profile_leads_with_it(smoke_grid, tmp_path):
    done = make("site", f"RESULTS={smoke_grid.results}", f"SITE={tmp_path / 'site'}", "PROFILE=smoke")
    assert done.returncode == 0, done.stderr
    refused = make("site", f"RESULTS={smoke_grid.results}", f"SITE={tmp_path / 'other'}", "PROFILE=nope")
    assert refused.returncode != 0 and "unknown profile 'nope'" in refused.stderr


# The five-minute review (a researcher's first read of the site), each defect it found guarded.

def test_the_home_page_ranks_first_and_states_the_scale(built_site, smoke_profile):
    home = (built_site / "index.html").read_text()
    assert home.index('class="caveat"') < home.index('class="sortable leaderboard"') < home.index("gain-heatmap") \
        < home.index('class="agreement"') < home.index('class="findings"')
    caveat = re.sub(r"<[^>]+>", "", home.split('class="caveat">')[1].split("</p>")[0])
    assert "4 test images at 32×32" in caveat and "1 seed" in caveat and "Data and scale" in caveat


def test_relative_rank_compares_fields_of_different_sizes():
    from pipeline.analysis.ranking import relative_rank, relative_ranks

    small = pd.DataFrame({"method": list("abcd"), "mean_rank": [1.0, 2.0, 3.0, 4.0]})
    large = pd.DataFrame({"method": list("abcdefg"), "mean_rank": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    scored = lambda frame: frame.set_index("method").assign(psnr=1.0)
    relative = {"s": relative_ranks(small, scored(small)), "l": relative_ranks(large, scored(large))}
    assert relative["s"]["b"] == pytest.approx(1 / 3) and relative["l"]["b"] == pytest.approx(1 / 6)
    assert relative_rank("d", relative) == pytest.approx((1 + 0.5) / 2)  # last of 4, middle of 7
    assert relative_rank("g", relative) == 1.0 and relative_rank("nowhere", relative) == float("inf")


def test_a_method_page_quotes_the_leaderboards_ci_and_no_raw_entity(built_site, smoke_profile):
    page = (built_site / "methods" / "zero-filled" / "index.html").read_text()
    for scenario in smoke_profile.scenarios:
        row = leaderboard.scenario_table(smoke_profile, scenario).set_index("method").loc["zero-filled"]
        assert interval((row.psnr_ci_low, row.psnr_ci_high)) in page  # the leaderboard's, not a mean of CIs
    assert "[no interval: one seed]" in page and "[nan" not in page  # smoke: one seed
    assert "&amp;#" not in page and "&#45;" not in html.unescape(page)


def test_a_method_without_training_has_no_time_and_is_a_line_in_the_cost_view(built_site):
    page = (built_site / "scenarios" / "smoke-mri" / "index.html").read_text()
    table = page.split('<table class="sortable scenario-table">')[1].split("</table>")[0]
    row = table.split('href="../../methods/zero-filled/"')[1].split("</tr>")[0]
    assert "no training" in row and ">inf<" not in page
    figure = json.loads(html.unescape(page.split('class="plotly-figure cost-figure" data-figure="')[1].split('"')[0]))
    points = [t for t in figure["data"] if t["mode"] == "markers"]
    assert "zero-filled" not in {t["name"] for t in points}
    (line,) = [t for t in figure["data"] if t["name"] == "zero-filled (no training)"]
    low, high = min(t["x"][0] for t in points), max(t["x"][0] for t in points)
    span = figure["layout"]["xaxis"]["range"]  # log10 of the seconds on a log axis
    if figure["layout"]["xaxis"]["type"] == "log":
        low, high = np.log10(low), np.log10(high)
        assert np.allclose(np.log10(line["x"]), span)
    else:
        assert line["x"] == span
    margin = 0.15 * (high - low) + 0.15  # the axis covers the trained methods, and little else
    assert low - margin < span[0] < low and high < span[1] < high + margin
    front = next(t for t in figure["data"] if t["name"] == "Pareto front")
    assert not {"zero-filled", "supervised"} & {t["name"] for t in points if t["x"][0] in front["x"] and t["y"][0] in front["y"]}
    assert "per run" in figure["layout"]["title"]["text"] and "at once" not in figure["layout"]["title"]["text"]


def test_the_cost_view_names_each_machine_once_and_claims_no_sharing_it_did_not_record():
    """A run recorded before runs named their CPU model ("AMD EPYC") is not listed beside the fuller
    name ("AMD EPYC (family 25 model 1, AVX2)"); the title says nothing of runs at once."""
    from pipeline.render.pages import hardware

    runs = pd.DataFrame({"device_name": ["AMD EPYC", "AMD EPYC (family 25 model 1, AVX2)", "Intel Xeon"],
                         "device": ["cpu"] * 3, "threads": [1, 1, 1]})
    assert hardware(runs) == "AMD EPYC (family 25 model 1, AVX2); Intel Xeon, cpu, 1 torch thread per run"


def test_every_method_has_a_colour_of_its_own_and_the_heat_map_says_where_it_saturates(smoke_profile):
    from pipeline.render.figures import GAIN_SCALE_DB, curve_figure, gain_heatmap, method_colours

    colours = method_colours(list(smoke_profile.catalogue.methods))
    assert len(set(colours.values())) == len(colours) <= 24
    traces = curve_figure(smoke_profile, "mri")["data"]
    assert len({t["line"]["color"] for t in traces}) == len(traces)
    heatmap = gain_heatmap(pd.DataFrame({"mri": [1.0, -7.0]}, index=["a", "b"]), ["mri"])
    assert f"±{GAIN_SCALE_DB:g}" in heatmap["data"][0]["colorbar"]["title"]["text"]


@pytest.mark.parametrize("bounds, shown", [((-0.004, 2.67), "[-0.004, +2.670]"), ((0.0, 2.671), "[+0.00, +2.67]"),
                                           ((0.00004, 1.0), "[+0.0000, +1.0000]"), ((-1.234, -0.5), "[-1.23, -0.50]")])
def test_a_ci_keeps_the_sign_that_decides_significance(bounds, shown):
    from pipeline.render.markup import ci

    assert ci(bounds) == shown


def two_profiles(smoke_grid, tmp_path):
    """The smoke tables, and a copy of them as profile quick: a results folder with two profiles."""
    results = tmp_path / "results"
    copy_tables(smoke_grid.results, results)
    shutil.copytree(results / "smoke", results / "quick")
    for name in ("runs.csv", "per_image.csv", "summary.csv", "curves.csv", "curves_per_image.csv"):
        if (results / "quick" / name).is_file():
            frame = pd.read_csv(results / "quick" / name)
            frame["profile"] = "quick"
            frame.to_csv(results / "quick" / name, index=False)
    return results


def test_the_menu_lists_the_headline_first_and_no_empty_page(smoke_grid, tmp_path):
    from pipeline.render.build import navigation

    results = two_profiles(smoke_grid, tmp_path)
    html_dir = build_site(results, tmp_path / "site", headline="smoke")
    docs = tmp_path / "site" / "docs"
    nav = navigation(docs, leaderboard.read_profiles(results)[0].catalogue, ["smoke", "quick"])
    sections = [next(iter(entry)) for entry in nav]
    assert sections.index("Scenarios") < sections.index("Methods") < sections.index("Other profiles") == len(sections) - 1
    scenarios = [next(iter(e.values())) for e in nav[sections.index("Scenarios")]["Scenarios"]]
    assert scenarios == [f"scenarios/smoke-{s}.md" for s in ("mri", "noisy", "single", "multicoil")]
    (quick,) = nav[-1]["Other profiles"]
    assert quick["Profile quick"][0] == {"Leaderboard": "profiles/quick.md"}
    assert "custom.md" not in str(nav) and "evaluated.md" not in str(nav)  # nothing to show: not in the menu
    from pipeline.render.reference import PAGES

    files = [next(iter(entry.values())) for entry in nav]
    listed = [f for f in files if isinstance(f, str) and f in {p.file for p in PAGES}]
    assert listed == [p.file for p in PAGES if p.file not in ("custom.md", "evaluated.md")]  # one list, its order
    assert not (html_dir / "custom").exists() and (html_dir / "profiles" / "quick" / "index.html").is_file()
    home = (html_dir / "index.html").read_text()
    assert 'data-profile="smoke"' in home and 'class="sortable leaderboard" data-profile="quick"' not in home
    assert 'href="../../methods/ei/"' in (html_dir / "profiles" / "quick" / "index.html").read_text()


def test_a_report_reads_as_prose(smoke_profile):
    from pipeline.analysis import contribute

    text = "\n".join(contribute.standing(smoke_profile, "ei"))
    assert "seed(s)" not in text and "| against | ΔPSNR (dB) | 95 % CI | verdict |" in text
    assert not re.search(r"(below|above) \S+ by [+-]", text)  # "below x by -1.6 dB" was a double negative


def test_a_shell_comment_in_the_report_stays_code():
    from pipeline.render.reference import headings_down

    text = "# Report\n\n```bash\n# a comment\nmake x\n```\n## mri\n"
    assert headings_down(text, 2) == "### Report\n\n```bash\n# a comment\nmake x\n```\n#### mri\n"


def test_scenario_pages_state_the_profile_as_a_sentence_and_link_the_data(built_site):
    page = (built_site / "scenarios" / "smoke-noisy" / "index.html").read_text()
    intro = re.sub(r"<[^>]+>", "", page.split("</h1>")[1].split("</p>")[0])
    assert "Profile smoke: tests:" in intro and "no noise. tests" not in intro
    assert 'href="../../data-and-scale/"' in page


def test_the_data_and_scale_page_states_the_split(built_site):
    from pipeline.setting.data.overview import FOLDER

    data = json.loads((FOLDER / "mni.json").read_text())
    page = re.sub(r"<[^>]+>", " ", (built_site / "data-and-scale" / "index.html").read_text())
    assert "MNI ICBM152" in page and "one average brain" in page and "sagittal" in page
    assert f"{sum(data['split']['train'].values())}" in page and f"{sum(data['split']['test'].values())}" in page
    assert (built_site / "assets" / "data" / "mni-slices.png").is_file()


def test_the_reproducibility_page_folds_each_scenarios_runs(built_site, smoke_profile):
    page = (built_site / "reproducibility" / "index.html").read_text()
    assert page.count('<details class="runs">') == len(smoke_profile.scenarios)
    assert "torch threads per run" in page


def test_the_home_and_reproducibility_pages_give_the_results_version(built_site, smoke_profile):
    newest = smoke_profile.runs.sort_values("finished_at").iloc[-1]
    commit = str(newest.git_commit).removesuffix("-dirty")[:10]
    for page in ("index.html", "reproducibility/index.html"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", (built_site / page).read_text()))
        version = re.search(r"results version: newest run finished (\S+ \S+) UTC, made at commit (\w+)", text, re.I)
        assert version, page
        assert version.groups() == (str(newest.finished_at)[:16].replace("T", " "), commit)


def test_the_home_page_says_how_to_cite_and_the_published_page_links_the_paper(built_site):
    import yaml

    home = html.unescape(re.sub(r"<[^>]+>", "", (built_site / "index.html").read_text()))  # highlighted: spans
    assert "@article{wang2025ssibench" in home and "arXiv:2502.14009" in home and "@software{" in home
    published = (built_site / "published" / "index.html").read_text()
    assert 'href="https://arxiv.org/abs/2502.14009"' in published
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["authors"] and cff["title"]
    assert cff["references"][0]["url"] == "https://arxiv.org/abs/2502.14009"


def test_gallery_images_are_big_enough_to_see_and_link_to_themselves(built_site):
    from PIL import Image

    gallery = built_site / "assets" / "gallery" / "smoke" / "mri"
    assert min(Image.open(png).size[0] for png in gallery.glob("*-0*.png")) >= 256
    assert Image.open(gallery / "colourbar.png").size[0] == 256
    page = (built_site / "scenarios" / "smoke-mri" / "index.html").read_text()
    assert re.search(r'<a href="([^"]+ei-0-error\.png)"><img src="\1"', page)


def test_readme_is_the_front_door():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_the_headline_counts_its_budget_in_steps_and_passes_and_names_its_narrower_unet():
    """An "epoch" of `cpu` is 192 steps, four passes over its data: the pages count steps and passes
    instead. Its UNet is SSIBench's at reduced width, and the headline's text says so."""
    from pipeline.render.reference import steps
    from pipeline.setting.profiles import PROFILES

    cpu = leaderboard.profile_named(ROOT / "results", "cpu")
    assert steps(cpu, 8) == "1,536 optimiser steps (32 passes over the 191 training images)"
    assert "reduced width" in PROFILES["cpu"].description and "129,714" in PROFILES["cpu"].description
    for path, start in ((ROOT / "README.md", "## The headline"), (ROOT / "site" / "pages" / "leaderboards.md", "## The headline")):
        paragraph = next(block for block in path.read_text().split(start, 1)[1].split("\n\n")
                         if block.startswith("SSIBench's model"))
        assert "SSIBench's model at reduced width" in paragraph and "8,556,994" in paragraph, paragraph[:200]
