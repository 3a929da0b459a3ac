"""The findings checks, on real smoke result tables whose PSNR is replaced by known levels."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import agreement, findings, leaderboard
from pipeline.methods import registry
from pipeline.analysis.published import PUBLISHED
from tests.conftest import run_cli
from pipeline.setting.profiles import PROFILES


@pytest.fixture(scope="module")
def smoke_profile(smoke_grid):
    (profile,) = [p for p in leaderboard.read_profiles(smoke_grid.results) if p.name == "smoke"]
    return profile


def with_levels(profile: leaderboard.Profile, levels: dict[tuple[str, str], float], seeds: int = 3) -> leaderboard.Profile:
    """The profile's seed-0 runs as ``seeds`` seeds, each run's per-image PSNR set to its level
    plus a fixed ±0.1 dB jitter (an interval needs two seeds; three give one narrow enough)."""
    first = profile.per_image[profile.per_image.seed == 0]
    per_image = pd.concat([first.assign(seed=k) for k in range(seeds)], ignore_index=True)
    jitter = np.random.default_rng(0).uniform(-0.1, 0.1, len(per_image))
    per_image["psnr"] = [levels[(s, m)] for s, m in zip(per_image.scenario, per_image.method)] + jitter
    first = profile.runs[profile.runs.seed == 0]
    runs = pd.concat([first.assign(seed=k) for k in range(seeds)], ignore_index=True)
    runs["psnr"] = [levels[(s, m)] for s, m in zip(runs.scenario, runs.method)]
    return replace(profile, runs=runs, per_image=per_image)


PAPER = {(s, m): psnr for s, rows in PUBLISHED.items() for m, (psnr, _ssim) in rows.items()}
VARIANTS = [m for m in registry().values() if not m.in_paper]
PAPER |= {(s, v.name): PAPER[(s, v.variant_of)] for v in VARIANTS for s in v.scenarios}  # level with their parent


def verdicts(profile) -> dict[tuple[str, str, str], str]:
    return {(c.scenario, c.method, c.baseline): c.verdict for c in findings.check_findings(profile)}


def test_the_papers_own_numbers_show_its_findings(smoke_profile):
    profile = with_levels(smoke_profile, PAPER)
    summary = {f["finding"]: f for f in findings.summary(findings.check_findings(profile))}
    assert summary[findings.SUPERVISED_BEST]["holds"]
    assert summary[findings.MC_MATCHES_ZERO_FILLED]["holds"]
    assert summary[findings.EQUIVARIANCE_BEATS_MC]["holds"]
    assert summary[findings.ROBUST_BEATS_BASELINE]["holds"]
    # in the paper's single-operator table, adversarial (26.53) beats SSDU (21.89): the one exception
    failed = [(c.scenario, c.method, c.baseline) for c in summary[findings.ADVERSARIAL_WORST]["checks"] if not c.holds]
    assert failed == [("single", "adversarial", "ssdu")]
    assert {c.method for c in summary[findings.ROBUST_BEATS_BASELINE]["checks"]} == {
        "robust-ssdu", "noise2recon-ssdu", "robust-ei", "robust-mo-ei", "ddssl"}


def test_each_rule_can_fail(smoke_profile):
    levels = dict(PAPER)
    levels[("single", "mc")] = PAPER[("single", "zero-filled")] + 1.0  # MC learns: not "within noise"
    levels[("mri", "moi")] = PAPER[("mri", "mc")]  # MOI no better than MC
    levels[("noisy", "robust-ssdu")] = PAPER[("noisy", "weighted-ssdu")] - 0.5
    result = verdicts(with_levels(smoke_profile, levels))
    assert result[("single", "mc", "zero-filled")] == "fails"
    assert result[("mri", "moi", "mc")] == "fails"
    assert result[("noisy", "robust-ssdu", "weighted-ssdu")] == "fails"
    assert result[("mri", "ei", "mc")] == "holds"


def test_missing_results_are_not_checked_and_never_hold(smoke_profile):
    profile = with_levels(smoke_profile, PAPER)
    keep = profile.per_image.method != "moi"
    profile = replace(profile, per_image=profile.per_image[keep], runs=profile.runs[profile.runs.method != "moi"])
    checks = [c for c in findings.check_findings(profile) if c.method == "moi"]
    assert checks and all(c.verdict == "not checked" and not c.holds for c in checks)
    summary = {f["finding"]: f for f in findings.summary(findings.check_findings(profile))}
    assert not summary[findings.EQUIVARIANCE_BEATS_MC]["holds"]
    assert summary[findings.EQUIVARIANCE_BEATS_MC]["verdict"] == "not all checked"  # no check fails: a grid still running
    levels = PAPER | {("mri", "ei"): PAPER[("mri", "mc")]}  # and EI no better than MC: a check fails
    profile = with_levels(smoke_profile, levels)
    profile = replace(profile, per_image=profile.per_image[keep], runs=profile.runs[profile.runs.method != "moi"])
    summary = {f["finding"]: f for f in findings.summary(findings.check_findings(profile))}
    assert summary[findings.EQUIVARIANCE_BEATS_MC]["verdict"] == "does not hold"
    assert summary[findings.SUPERVISED_BEST]["verdict"] == "holds"


def test_a_scenario_with_one_method_is_not_ranked_against_the_paper(smoke_profile):
    """Mid-grid, a scenario whose first method alone has results gets no τ, no doubling test and
    no disagreements (NaN τ, 0 of 0 pairs), and the terminal says why."""
    from pipeline.analysis import disagreement, doubling

    alone = (smoke_profile.per_image.scenario != "single") | (smoke_profile.per_image.method == "ei")
    runs = (smoke_profile.runs.scenario != "single") | (smoke_profile.runs.method == "ei")
    profile = replace(with_levels(smoke_profile, PAPER), per_image=smoke_profile.per_image[alone],
                      runs=smoke_profile.runs[runs])
    assert "single" not in {a.scenario for a in agreement.agreement(profile)}
    assert "mri" in {a.scenario for a in agreement.agreement(profile)}
    assert "smoke    single     fewer than 2 of the paper's methods have results" in agreement.report([profile])
    curves = doubling.read_curves(profile)
    assert doubling.doubling(profile, "single", curves[(curves.scenario != "single") | (curves.method == "ei")]) == []
    assert "  single:" not in disagreement.report(profile) and "  mri:" in disagreement.report(profile)


def test_findings_command(smoke_grid):
    done = run_cli("findings", "--profile", "smoke", "--results-dir", str(smoke_grid.results))
    assert done.returncode == 0, done.stderr
    assert findings.SUPERVISED_BEST in done.stdout and "single    mc vs zero-filled" in done.stdout
    missing = run_cli("findings", "--profile", "paper", "--results-dir", str(smoke_grid.results))
    assert missing.returncode == 2
    assert missing.stderr.strip() == (f"error: no results for profile 'paper' in {smoke_grid.results}/ (found: smoke); "
                                      "run `make benchmark PROFILE=paper` first")


def test_the_adversarial_check_skips_a_learner_whose_runs_all_diverged(smoke_profile):
    checks = [c for c in findings.check_findings(with_levels(smoke_profile, PAPER)) if c.finding == findings.ADVERSARIAL_WORST]
    worst = {c.scenario: c.baseline for c in checks}
    diverged = with_levels(smoke_profile, PAPER | {("mri", worst["mri"]): float("nan")})
    checks = [c for c in findings.check_findings(diverged) if c.finding == findings.ADVERSARIAL_WORST and c.scenario == "mri"]
    assert checks and all(c.checked and c.baseline != worst["mri"] for c in checks)


@pytest.mark.parametrize("level", [0.0, 100.0])
def test_variants_take_part_in_no_finding(smoke_profile, level):
    """A variant far below the adversarial methods or far above supervised changes no verdict."""
    levels = PAPER | {(s, v.name): level for v in VARIANTS for s in v.scenarios}
    checks = findings.check_findings(with_levels(smoke_profile, levels))
    assert verdicts(with_levels(smoke_profile, levels)) == verdicts(with_levels(smoke_profile, PAPER))
    assert not {c.method for c in checks} & {v.name for v in VARIANTS}
    assert not {c.baseline for c in checks} & {v.name for v in VARIANTS}


# --- agreement with the paper's ranking ---------------------------------------------------------


@pytest.mark.parametrize("a, b, tau", [
    ([1, 2, 3, 4], [1, 2, 3, 4], 1.0),
    ([1, 2, 3, 4], [4, 3, 2, 1], -1.0),
    ([1, 2, 3, 4], [1, 3, 2, 4], 4 / 6),  # one discordant pair of six
    ([1, 1, 2], [1, 2, 3], 2 / np.sqrt(6)),  # tau-b: (2 - 0) / sqrt(2 * 3)
])
def test_kendall_tau_b_by_hand(a, b, tau):
    assert agreement.kendall_tau_b(a, b) == pytest.approx(tau)


def test_the_papers_own_ranking_agrees_perfectly_and_its_reverse_not_at_all(smoke_profile):
    taus = {a.scenario: a for a in agreement.agreement(with_levels(smoke_profile, PAPER)) if a.metric == "psnr"}
    assert set(taus) == set(PUBLISHED) & set(smoke_profile.scenarios)
    for scenario, a in taus.items():
        assert a.tau == pytest.approx(1.0) and a.n_methods == len(PUBLISHED[scenario])  # variants left out
    reverse = {key: -level for key, level in PAPER.items()}
    assert all(a.tau == pytest.approx(-1.0) for a in agreement.agreement(with_levels(smoke_profile, reverse))
               if a.metric == "psnr")


def test_gains_over_zero_filled_sit_beside_the_papers(smoke_profile):
    levels = {key: level + 1.0 for key, level in PAPER.items()}
    levels[("mri", "zero-filled")] = PAPER[("mri", "zero-filled")]  # every mri method 1 dB further ahead
    gains = agreement.gains(with_levels(smoke_profile, levels), "mri").set_index("method")
    assert "zero-filled" not in gains.index and "moc-ssdu-full" not in gains.index
    assert np.allclose(gains.gain - gains.paper_gain, 1.0)


def test_findings_command_reports_tau_for_every_profile(smoke_grid):
    done = run_cli("findings", "--profile", "smoke", "--results-dir", str(smoke_grid.results))
    assert done.returncode == 0, done.stderr
    for scenario in PUBLISHED:
        line = next(l for l in done.stdout.splitlines() if l.split()[:2] == ["smoke", scenario])
        assert "tau PSNR" in line and "tau SSIM" in line
    assert "Gain over zero-filled, smoke / mri" in done.stdout


def test_a_failing_check_says_how_both_learning_curves_ended(smoke_profile):
    levels = dict(PAPER)
    levels[("mri", "moi")] = PAPER[("mri", "mc")]  # MOI no better than MC: fails
    shapes = {"moi": [15, 18, 19, 17.5, 19.0, 18.7], "mc": [15, 16, 17, 17.5, 17.9, 18.3]}
    curves = pd.DataFrame([{"scenario": "mri", "method": m, "seed": 0, "epoch": 2 * (k + 1), "psnr": psnr,
                            "ssim": 0.5, "images": 2} for m, points in shapes.items() for k, psnr in enumerate(points)])
    profile = replace(with_levels(smoke_profile, levels), curves=curves)
    checks = findings.check_findings(profile)
    (failing,) = [c for c in checks if (c.scenario, c.method, c.baseline) == ("mri", "moi", "mc")]
    assert failing.curves == ("moi unsteady (steps up to 1.5 dB late in training); "
                              "mc still rising (+0.40 dB over the last interval, +1.30 dB over the second half)")
    assert all(c.curves == "" for c in checks if c.holds)
    assert f"curves: {failing.curves}" in findings.report(profile, checks)


def test_separated_pairs_count_only_what_the_paper_separates_by_a_decibel():
    from pipeline.analysis.agreement import separated_pairs

    paper = [30.0, 28.5, 28.6, 25.0]  # 28.5 vs 28.6 is a near-tie of one seed: not evidence
    assert separated_pairs([4.0, 3.0, 2.0, 1.0], paper) == (5, 5)
    assert separated_pairs([4.0, 3.0, 2.0, 5.0], paper) == (5, 2)  # the last method moved to the top: 3 reversed
    assert separated_pairs([1.0, 2.0], [27.66, 27.67]) == (0, 0)  # MC vs zero-filled in the paper


def synthetic_scores(means_by_epoch: dict[int, dict[str, float]], seeds=(0, 1, 2), images=8) -> pd.DataFrame:
    """Per-image PSNR around given means (a small, fixed spread per image)."""
    spread = np.linspace(-0.3, 0.3, images)
    return pd.DataFrame([
        {"epoch": epoch, "method": method, "seed": seed, "image_id": f"img{k}", "psnr": mean + spread[k] + 0.05 * seed}
        for epoch, means in means_by_epoch.items() for method, mean in means.items()
        for seed in seeds for k in range(images)
    ])


def test_the_doubling_test_finds_a_significant_pair_reversed_at_half_the_budget():
    from pipeline.analysis.doubling import compare

    scores = synthetic_scores({12: {"ei": 20.0, "ssdu": 21.0, "mc": 18.0}, 24: {"ei": 22.0, "ssdu": 21.2, "mc": 18.0}})
    row = compare(scores, "mri", 12)
    assert row.significant == 3 and row.reversed == [("ei", "ssdu")]
    assert row.tau == pytest.approx(1 / 3) and not row.enough
    assert row.discordant == 1 and row.tied == 0  # the one pair τ counts against is the reversed one


def test_the_doubling_test_holds_when_doubling_moves_no_ranked_pair():
    from pipeline.analysis.doubling import compare

    scores = synthetic_scores({24: {"ei": 22.0, "ssdu": 21.0, "mc": 18.0}, 48: {"ei": 22.3, "ssdu": 21.4, "mc": 18.0}})
    row = compare(scores, "mri", 24)
    assert row.significant == 3 and row.reversed == [] and row.tau == 1.0 and row.enough
    assert row.discordant == 0 and row.tied == 0


def test_the_doubling_test_counts_a_pair_that_2b_ties_but_tau_counts_against():
    from pipeline.analysis.doubling import compare

    scores = synthetic_scores({12: {"ei": 21.0, "ssdu": 20.0, "mc": 18.0}, 24: {"ei": 21.0, "ssdu": 21.1, "mc": 18.0}})
    at_2b = (scores.epoch == 24) & (scores.method == "ssdu")  # ahead of ei by 0.1 dB on average, ±0.5 dB seed by seed
    scores.loc[at_2b, "psnr"] += scores[at_2b].seed.map({0: 0.5, 1: -0.5, 2: 0.0})
    row = compare(scores, "mri", 12)
    assert row.discordant == 1 and row.reversed == [] and row.tied == 1 and row.significant == 2
    assert row.tau == pytest.approx(1 / 3) and not row.enough  # no pair reversed, yet τ fails on the tie


def test_the_doubling_test_ranks_a_partial_grid_on_the_seeds_every_method_has():
    from pipeline.analysis.doubling import compare

    scores = synthetic_scores({12: {"ei": 21.0, "ssdu": 20.0, "mc": 18.0}, 24: {"ei": 22.0, "ssdu": 21.0, "mc": 18.0}})
    scores = scores[(scores.method != "ei") | (scores.seed != 2)].copy()  # ei's seed 2 not run yet
    scores.loc[(scores.method == "ssdu") & (scores.seed == 2), "psnr"] = 30.0  # would lift ssdu's mean above ei's
    row = compare(scores, "mri", 12)
    assert row.reversed == [] and row.discordant == 0 and row.tau == 1.0 and row.enough
    assert row.significant == 3  # seeds 0 and 1: ei above ssdu, both above mc


def test_the_doubling_test_states_the_training_time_of_a_doubled_budget(smoke_profile):
    from pipeline.analysis.doubling import training_hours

    runs = pd.DataFrame([
        {"scenario": "mri", "method": m, "seed": seed, "status": status, "epochs": epochs, "train_seconds": seconds}
        for seed in (0, 1)
        for m, status, epochs, seconds in [("mc", "ok", 96, 3600.0), ("ei", "ok", 96, 3600.0 * (1 + seed)),
                                           ("zero-filled", "ok", 0, 0.0), ("uair", "diverged", 96, 999.0)]])
    profile = replace(smoke_profile, runs=runs)
    assert training_hours(profile, "mri", 48) == pytest.approx((1.0 + 1.5) / 2)  # seed 0: 0.5 + 0.5 h, seed 1: 0.5 + 1 h
    seed_1_of_ei_still_running = runs[(runs.method != "ei") | (runs.seed == 0)]
    assert training_hours(replace(smoke_profile, runs=seed_1_of_ei_still_running), "mri", 48) == pytest.approx(1.0)
    assert training_hours(profile, "noisy", 48) != training_hours(profile, "noisy", 48)  # no runs: NaN


@pytest.mark.parametrize("hours, jobs, wall", [
    ([3, 1, 1, 1], 2, 3),      # the long run on one slot, the three short ones on the other
    ([1, 1, 1, 3], 2, 4),      # the long run starts last, when a slot frees at hour 1
    ([1, 1, 1, 3], 1, 6),      # one job: the sum
    ([1, 2, 5], 16, 5),        # more jobs than runs: the longest run
])
def test_grid_wall_time_replays_the_runs_in_order_on_the_free_slots(hours, jobs, wall):
    from pipeline.analysis.gridtime import wall_hours

    assert wall_hours([h * 3600.0 for h in hours], jobs) == pytest.approx(wall)


def test_grid_time_report_sums_run_hours_per_seed(smoke_profile):
    from pipeline.analysis.gridtime import report

    runs = pd.DataFrame([{"scenario": s, "method": m, "seed": seed, "train_seconds": 3600.0 * hours, "eval_seconds": 0.0}
                         for s, m, hours in [("mri", "mc", 1), ("mri", "ei", 2), ("noisy", "mo-ei", 3)] for seed in (0, 1)])
    text = report(replace(smoke_profile, runs=runs, scenarios=["mri", "noisy"]), jobs=(2, 16))
    assert "6 runs in the tables, 2 seeds" in text
    assert "run-hours per seed: mri 3.0, noisy 3.0; all: 6.0" in text
    assert "JOBS=2: 6.0 h, JOBS=16: 3.0 h" in text  # grid order, seeds inner: each slot 1 + 2 + 3 h; 16: the 3 h run
    mid_grid = runs[(runs.scenario == "mri") | (runs.seed == 0)]  # noisy's seed 1 not run yet
    assert "run-hours per seed: mri 3.0, noisy 3.0; all: 6.0" in report(replace(smoke_profile, runs=mid_grid,
                                                                                scenarios=["mri", "noisy"]))


def test_findings_prints_the_doubling_test_from_the_collected_curves(workspace, capsys):
    from pipeline.cli import main

    grid = ["--profile", "smoke", "--epochs", "2", "--scenarios", "mri", "--methods", "zero-filled,supervised,mc,ei"]
    assert main(workspace.args("benchmark", *grid)) == 0
    curves = pd.read_csv(workspace.results / "smoke" / "curves_per_image.csv")
    assert set(curves.epoch) == {1, 2} and set(curves.method) == {"supervised", "mc", "ei"}
    capsys.readouterr()
    assert main(["findings", "--profile", "smoke", "--results-dir", str(workspace.results)]) == 0
    out = capsys.readouterr().out
    (line,) = [l for l in out.splitlines() if l.strip().startswith("mri") and " B " in l]
    per_epoch = PROFILES["smoke"].epoch_steps(float(pd.read_csv(workspace.results / "smoke" / "runs.csv").n_train.iloc[0]))
    assert f"B {per_epoch:>5} -> {2 * per_epoch:>5} steps" in line  # budgets in optimiser steps, as on the site
    assert re.search(r"\(n = 4; pairs in the other order at B \d, \d of them tied at 2B; training at 2B ", line), line
    assert "NOT enough" in line or "enough" in line
    assert "Grid time, profile smoke (4 runs in the tables, 1 seed" in out


# --- where ours and the paper disagree ------------------------------------------------------------

def image_curves(methods_at_half: dict[str, float], methods_at_end: dict[str, float], images=4) -> pd.DataFrame:
    """Image-by-image curves of seed 0 at epochs 1 and 2, every image at the given level."""
    rows = [{"profile": "smoke", "scenario": "mri", "method": m, "seed": 0, "epoch": epoch,
             "image_id": f"img{k}", "psnr": level, "ssim": 0.5, "images": images}
            for epoch, levels in ((1, methods_at_half), (2, methods_at_end))
            for m, level in levels.items() for k in range(images)]
    return pd.DataFrame(rows, columns=["profile", "scenario", "method", "seed", "epoch", "image_id", "psnr", "ssim", "images"])


def reversed_mo_ei(smoke_profile, curves: pd.DataFrame):
    """The (mo-ei, moi) disagreement when MO-EI scores 2 dB below MOI, with these image-by-image
    curves (and their means as the runs' learning curves)."""
    from pipeline.analysis import disagreement

    levels = dict(PAPER)
    levels[("mri", "mo-ei")] = PAPER[("mri", "moi")] - 2.0  # the paper has MO-EI 1.85 dB above MOI
    run_curves = curves.groupby(["scenario", "method", "seed", "epoch"], as_index=False)[["psnr", "ssim"]].mean()
    profile = replace(with_levels(smoke_profile, levels), curves=run_curves)
    (pair,) = [d for d in disagreement.disagreements(profile, "mri", curves) if (d.winner, d.loser) == ("mo-ei", "moi")]
    return pair


def test_the_papers_own_numbers_disagree_with_it_nowhere(smoke_profile):
    from pipeline.analysis import disagreement

    profile = with_levels(smoke_profile, PAPER)
    assert all(disagreement.disagreements(profile, s) == [] for s in profile.scenarios)
    separated = {a.scenario: a.separated for a in agreement.agreement(profile) if a.metric == "psnr"}
    assert f"mri: 0 of {separated['mri']} reversed" in disagreement.report(profile) and separated["mri"] > 50


def test_a_significant_reversal_with_steady_curves_is_settled(smoke_profile):
    from pipeline.analysis import disagreement

    pair = reversed_mo_ei(smoke_profile, image_curves({"mo-ei": 20.0, "moi": 21.9}, {"mo-ei": 20.1, "moi": 22.0}))
    assert pair.paper_diff == pytest.approx(PAPER[("mri", "mo-ei")] - PAPER[("mri", "moi")])
    assert pair.diff == pytest.approx(-2.0, abs=0.15) and pair.high < 0
    assert pair.verdict == disagreement.SETTLED and pair.why_unsettled == ""


def test_a_reversal_training_may_still_undo_is_not_settled(smoke_profile):
    from pipeline.analysis import disagreement

    rising = reversed_mo_ei(smoke_profile, image_curves({"mo-ei": 19.5, "moi": 22.0}, {"mo-ei": 20.0, "moi": 22.0}))
    assert rising.verdict == disagreement.BUDGET and rising.why_unsettled.startswith("mo-ei still rising (+0.50 dB")
    was_in_order = reversed_mo_ei(smoke_profile, image_curves({"mo-ei": 22.1, "moi": 22.0}, {"mo-ei": 22.0, "moi": 22.1}))
    assert was_in_order.verdict == disagreement.BUDGET
    assert was_in_order.why_unsettled == "in the paper's order at half the budget (+0.10 dB)"


@pytest.mark.parametrize("low, high, why, checked, diverged, verdict", [
    (-1.2, +0.3, "", True, False, "not significant here"),
    (-1.2, +0.3, "mo-ei still rising", True, False, "not significant here"),  # significance is asked first
    (-0.9, -0.1, "mo-ei unsteady", True, False, "not settled by training"),
    (-0.9, -0.1, "mo-ei unsteady", False, False, "not settled by training"),  # one reason is enough
    (-0.9, -0.1, "", False, False, "training not checked"),  # no evidence is not evidence of settling
    (-0.9, -0.1, "", True, False, "settled here"),
    (float("nan"), float("nan"), "", True, True, "diverged here"),
])
def test_disagreement_verdicts(low, high, why, checked, diverged, verdict):
    from pipeline.analysis.disagreement import Disagreement

    assert Disagreement("mri", "mo-ei", "moi", 1.85, -0.5, low, high, why, checked, diverged).verdict == verdict


def test_a_significant_reversal_without_curves_is_not_called_settled(smoke_profile):
    from pipeline.analysis import disagreement

    levels = dict(PAPER)
    levels[("mri", "mo-ei")] = PAPER[("mri", "moi")] - 2.0
    profile = replace(with_levels(smoke_profile, levels), curves=None)
    empty = image_curves({}, {})
    (pair,) = [d for d in disagreement.disagreements(profile, "mri", empty) if (d.winner, d.loser) == ("mo-ei", "moi")]
    assert pair.high < 0 and not pair.curves_checked and pair.verdict == disagreement.UNCHECKED


def test_a_winner_that_diverged_everywhere_is_a_disagreement(smoke_profile):
    from pipeline.analysis import disagreement

    profile = with_levels(smoke_profile, PAPER)
    gone = (profile.per_image.scenario == "mri") & (profile.per_image.method == "mo-ei")
    runs = profile.runs.assign(psnr=profile.runs.psnr.where(~((profile.runs.scenario == "mri") & (profile.runs.method == "mo-ei"))))
    profile = replace(profile, runs=runs, per_image=profile.per_image[~gone])
    found = disagreement.disagreements(profile, "mri")
    below = {m for m, (psnr, _) in PUBLISHED["mri"].items() if PUBLISHED["mri"]["mo-ei"][0] - psnr >= 1.0}
    assert {d.loser for d in found if d.winner == "mo-ei"} == below
    assert all(d.verdict == disagreement.DIVERGED_HERE for d in found)
    assert "here no score: diverged here" in disagreement.report(profile)


def test_findings_lists_the_disagreements(smoke_grid):
    done = run_cli("findings", "--profile", "smoke", "--results-dir", str(smoke_grid.results))
    assert done.returncode == 0, done.stderr
    assert "Where profile smoke and the paper disagree" in done.stdout
    assert all(f"  {s}: " in done.stdout for s in ("mri", "noisy", "single", "multicoil"))


def test_a_finding_says_how_many_checks_hold_not_a_bare_count():
    """"does not hold: 4 of 6 checks" read as four failures; the count is of checks that hold."""
    check = lambda holds: findings.Check(findings.ADVERSARIAL_WORST, "mri", "uair", "mc", "below",  # noqa: E731
                                         -1.0 if holds else 1.0, -2.0 if holds else 0.5, -0.5 if holds else 2.0)
    assert findings.held([check(True)] * 4 + [check(False)] * 2) == "4 of 6 checks hold"
    assert findings.held([check(True)]) == "1 of 1 check holds"
    (entry,) = findings.summary([check(True), check(False)])
    assert entry["verdict"] == "does not hold" and entry["held"] == "1 of 2 checks hold"
