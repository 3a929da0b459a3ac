"""Keeping trained weights, and evaluating them later without training."""

from __future__ import annotations

import json
import re
from html import unescape

import pandas as pd
import numpy as np
import pytest

from pipeline.cli import main
from pipeline.render import build_site
from tests.conftest import ROOT, assert_pinned


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """ei and noise2inverse on mri at smoke size, with their weights kept."""
    root = tmp_path_factory.mktemp("kept")
    common = ["--results-dir", str(root / "results"), "--cache-dir", str(root / "cache"), "--quiet"]
    assert main(["benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "ei,noise2inverse",
                 "--keep-weights", "--weights-dir", str(root / "weights"), *common]) == 0
    return root, common


def test_a_checkpoint_reproduces_its_runs_test_metrics_exactly(trained, capsys):
    root, common = trained
    checkpoint = root / "weights" / "smoke" / "mri" / "ei" / "seed0.pt"
    run = root / "results" / "smoke" / "runs" / "mri" / "ei" / "seed0"
    assert json.loads((run / "run.json").read_text())["weights"] == str(checkpoint)
    assert main(["evaluate", "--profile", "smoke", "--scenario", "mri", "--checkpoint", str(checkpoint), *common]) == 0
    evaluated = root / "results" / "smoke" / "evaluated" / "mri" / "ei" / "seed0"
    pd.testing.assert_frame_equal(pd.read_csv(evaluated / "per_image.csv"), pd.read_csv(run / "per_image.csv"))
    record = json.loads((evaluated / "run.json").read_text())
    assert record["epochs"] == 0 and record["evaluated_from"] == str(checkpoint)
    assert record["trained_as"] == "mri/ei/seed0"
    assert_pinned(record)
    assert "from" in capsys.readouterr().err

    # the same weights on another scenario, and never in the leaderboard tables
    assert main(["evaluate", "--profile", "smoke", "--scenario", "single", "--checkpoint", str(checkpoint), *common]) == 0
    assert (root / "results" / "smoke" / "evaluated" / "single" / "ei" / "seed0" / "per_image.csv").exists()
    assert main(["collect", "--profile", "smoke", "--scenarios", "mri", "--methods", "ei,noise2inverse", *common]) == 0
    assert sorted(pd.read_csv(root / "results" / "smoke" / "runs.csv").method) == ["ei", "noise2inverse"]
    evaluated_table = pd.read_csv(root / "results" / "smoke" / "evaluated.csv")  # collected apart
    assert list(zip(evaluated_table.scenario, evaluated_table.trained_as)) == [("mri", "mri/ei/seed0"),
                                                                                ("single", "mri/ei/seed0")]
    assert evaluated_table.psnr.iloc[0] == pytest.approx(pd.read_csv(run / "per_image.csv").psnr.mean(), abs=1e-4)
    html = build_site(root / "results", root / "site")
    page = unescape((html / "evaluated" / "index.html").read_text())  # as the browser shows it
    assert page.count("<td>mri/ei/seed0</td>") == 2 and str(checkpoint) in page


def test_a_wrapped_model_loads_back_into_the_same_wrapper(trained):
    root, common = trained
    checkpoint = root / "weights" / "smoke" / "mri" / "noise2inverse" / "seed0.pt"
    assert main(["evaluate", "--profile", "smoke", "--scenario", "mri", "--checkpoint", str(checkpoint), *common]) == 0


@pytest.mark.parametrize("case, message", [
    ("missing", "checkpoint .*nowhere.pt does not exist; train with KEEP_WEIGHTS=1"),
    ("garbage", r".*garbage.pt is not a checkpoint of this benchmark \(torch cannot read it as one: \w+\); "
                "pass a file written by --keep-weights$"),
    ("random-bytes", r".*random.pt is not a checkpoint of this benchmark \(torch cannot read it as one"),
    ("folder", "checkpoint .* is a folder; pass the .pt file inside it"),
    ("other-profile", "checkpoint .*seed0.pt \\(trained as mri/ei/seed0\\) does not fit the model of profile "
                      "'quick' and method 'ei': "),
    ("other-method", "does not fit the model of profile 'smoke' and method 'noise2inverse': "),
])
def test_checkpoint_errors_are_one_line_and_write_nothing(trained, tmp_path, capsys, case, message):
    root, common = trained
    good = root / "weights" / "smoke" / "mri" / "ei" / "seed0.pt"
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint")
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    path, profile, extra = {"missing": (tmp_path / "nowhere.pt", "smoke", []),
                            "garbage": (tmp_path / "garbage.pt", "smoke", []),
                            "random-bytes": (tmp_path / "random.pt", "smoke", []),
                            "folder": (tmp_path, "smoke", []),
                            "other-profile": (good, "quick", []),
                            "other-method": (good, "smoke", ["--method", "noise2inverse"])}[case]
    before = sorted(p for p in (root / "results").rglob("*") if p.is_file())
    assert main(["evaluate", "--profile", profile, "--scenario", "noisy" if case == "missing" else "mri",
                 "--checkpoint", str(path), *extra, *common]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(message, err), err
    assert "weights_only" not in err  # never advise unpickling an untrusted file
    after = sorted(p for p in (root / "results").rglob("*") if p.is_file())
    assert [p for p in after if p not in before and "cache" not in str(p)] == []


SHIPPED = ROOT / "results" / "weights" / "quick" / "mri"


def test_the_headline_methods_ship_their_quick_weights():
    shipped = {p.parent.name for p in SHIPPED.glob("*/seed0.pt")}
    assert {"supervised", "mc", "ssdu", "weighted-ssdu", "ei", "mo-ei"} <= shipped, "run `make weights`"


@pytest.mark.parametrize("method", ["ei", "ssdu"])
def test_a_shipped_checkpoint_gives_the_committed_metrics_without_training(method, tmp_path, capsys):
    checkpoint = SHIPPED / method / "seed0.pt"
    assert main(["evaluate", "--profile", "quick", "--scenario", "mri", "--checkpoint", str(checkpoint),
                 "--results-dir", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    evaluated = pd.read_csv(tmp_path / "results" / "quick" / "evaluated" / "mri" / method / "seed0" / "per_image.csv")
    committed = pd.read_csv(ROOT / "results" / "quick" / "per_image.csv")  # read off the headline's curve at 192 steps
    committed = committed[(committed.scenario == "mri") & (committed.method == method) & (committed.seed == 0)].reset_index()
    assert list(evaluated.image_id) == list(committed.image_id)
    assert np.abs(evaluated.psnr - committed.psnr).max() < 1e-4
    record = json.loads((tmp_path / "results" / "quick" / "evaluated" / "mri" / method / "seed0" / "run.json").read_text())
    assert record["evaluated_from"] == f"results/weights/quick/mri/{method}/seed0.pt"  # relative to the project


def test_kept_weights_are_the_same_bytes_whenever_the_run_is_the_same(trained, tmp_path):
    """``make weights`` can then show the shipped files reproduced byte for byte."""
    root, _ = trained
    assert main(["benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "ei", "--keep-weights",
                 "--weights-dir", str(tmp_path / "weights"), "--results-dir", str(tmp_path / "results"),
                 "--cache-dir", str(root / "cache"), "--quiet"]) == 0
    again = tmp_path / "weights" / "smoke" / "mri" / "ei" / "seed0.pt"
    assert again.read_bytes() == (root / "weights" / "smoke" / "mri" / "ei" / "seed0.pt").read_bytes()
