"""Custom model, physics and metrics by import path: run, record, keep apart, and fail clearly."""

from __future__ import annotations

from html import unescape

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.setting.imported import CustomParts, metric_name
from pipeline.base.names import NAME
from pipeline.render import build_site

MODEL = "tests.example_pkg.models:make_model"
PHYSICS = "tests.example_pkg.physics:mri_x4"
METRIC = "tests.example_pkg.metrics:MAE"


def custom_folder(results) -> Path:
    (folder,) = (results / "smoke" / "custom").iterdir()
    return folder


def test_custom_model_and_metric_run_and_are_kept_apart(workspace, tmp_path):
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "mc,supervised", "--model", MODEL,
            "--metric", METRIC]
    assert main(workspace.args("benchmark", *grid)) == 0
    folder = custom_folder(workspace.results)
    assert json.loads((folder / "custom.json").read_text()) == {
        "label": folder.name, "model": MODEL, "physics": None, "metrics": [METRIC]}
    run = folder / "runs" / "mri" / "mc" / "seed0"
    record = json.loads((run / "run.json").read_text())
    assert record["n_params"] == 2 * 2 * 9 + 2  # the example's one 3x3 convolution, not MoDL
    assert json.loads((run / "config.json").read_text())["custom"]["model"] == MODEL
    per_image = pd.read_csv(run / "per_image.csv")
    assert list(per_image.columns) == ["image", "image_id", "psnr", "ssim", "mae"] and (per_image.mae > 0).all()
    runs = pd.read_csv(folder / "runs.csv")
    assert {"mae", "mae_ci_low", "mae_ci_high"} <= set(runs.columns) and sorted(runs.method) == ["mc", "supervised"]
    assert "mae" in pd.read_csv(folder / "per_image.csv").columns
    assert not (workspace.results / "smoke" / "runs.csv").exists()  # the standard tables are untouched

    # the standard leaderboard needs standard runs; with them, the custom runs get their own page
    assert main(workspace.args("benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "mc")) == 0
    assert list(pd.read_csv(workspace.results / "smoke" / "runs.csv").method) == ["mc"]
    html = build_site(workspace.results, tmp_path / "site")
    page = unescape((html / "custom" / "index.html").read_text())  # as the browser shows it
    assert MODEL in page and METRIC in page and folder.name in page
    assert MODEL not in (html / "index.html").read_text()


def test_custom_physics_simulates_and_caches_its_own_measurements(workspace):
    args = ["run", "--profile", "smoke", "--scenario", "mri", "--method", "zero-filled"]
    assert main(workspace.args(*args)) == 0
    assert main(workspace.args(*args, "--physics", PHYSICS)) == 0
    standard = json.loads((workspace.results / "smoke" / "runs" / "mri" / "zero-filled" / "seed0" / "run.json").read_text())
    run = custom_folder(workspace.results) / "runs" / "mri" / "zero-filled" / "seed0"
    custom = json.loads((run / "run.json").read_text())
    assert json.loads((run / "config.json").read_text())["scenario"]["physics"] == PHYSICS
    assert custom["psnr"] > standard["psnr"] + 1  # x4 samples more than x6: zero-filled is better
    assert len(list((workspace.cache / "measurements" / "smoke" / "mri").glob("*.pt"))) == 2


@pytest.mark.parametrize("option, path, message", [
    ("--model", "tests.example_pkg.nowhere:make", "cannot import module 'tests.example_pkg.nowhere' of model"),
    ("--model", "tests.example_pkg.models:missing", r"module 'tests.example_pkg.models' has no 'missing' \(model"),
    ("--model", "tests.example_pkg.models:not_a_reconstructor",
     "model tests.example_pkg.models:not_a_reconstructor gave a Conv2d; expected a deepinv.models.Reconstructor"),
    ("--model", "tests.example_pkg.models:CropsTheImage",
     r"model tests.example_pkg.models:CropsTheImage returns \(1, 2, 32, 31\) for images of shape \(1, 2, 32, 32\)"),
    ("--physics", "tests.example_pkg.physics:not_physics",
     "physics tests.example_pkg.physics:not_physics gave str; expected a deepinv.physics.Physics"),
    ("--model", "tests.example_pkg.models:NoParameters",
     "model tests.example_pkg.models:NoParameters has no trainable parameters"),
    ("--model", "tests.example_pkg.models:ForwardRaises",
     r"model tests.example_pkg.models:ForwardRaises raised ValueError: shapes do not line up on a measurement of shape"),
    ("--metric", "tests.example_pkg.metrics:Raises",
     "metric tests.example_pkg.metrics:Raises raised ZeroDivisionError: division by zero in the metric on a batch"),
    ("--model", "hostile_import:make", r"importing module 'hostile_import' of model 'hostile_import:make' raised "
     "RuntimeError: no GPU driver here"),
    ("--dataset", "hostile_syntax:Data", r"importing module 'hostile_syntax' of custom dataset 'hostile_syntax:Data' "
     r"raised SyntaxError: .* \(.*hostile_syntax.py, line 1\)"),
    ("--metric", "tests.example_pkg.metrics:OneNumberPerBatch",
     r"metric tests.example_pkg.metrics:OneNumberPerBatch returned \(\) for a batch of 2; expected one value"),
    ("--metric", "tests.example_pkg.models:make_model",
     "metric tests.example_pkg.models:make_model gave a AdjointPlusConv; expected a deepinv.loss.metric.Metric"),
    ("--metric", "hostile_names:=1+2", r"metric name '=1\+2' of --metric hostile_names:=1\+2 is not allowed: a name "
     "must be lower-case letters, digits and '-', starting with a letter"),
    ("--metric", "hostile_names:-cmd", "metric name '-cmd' of --metric hostile_names:-cmd is not allowed"),
    ("--metric", "hostile_names:mae score", "metric name 'mae score' of --metric hostile_names:mae score is not allowed"),
])
def test_bad_custom_parts_are_one_line_errors_that_write_nothing(workspace, capsys, monkeypatch, tmp_path,
                                                                 option, path, message):
    import re

    (tmp_path / "hostile_import.py").write_text('raise RuntimeError("no GPU driver here")\n')
    (tmp_path / "hostile_syntax.py").write_text("def broken(:\n")
    (tmp_path / "hostile_names.py").write_text(  # a real metric bound to names that are bad CSV columns
        "from tests.example_pkg.metrics import MAE\nglobals().update({'=1+2': MAE, '-cmd': MAE, 'mae score': MAE})\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    code = main(workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "mc", option, path))
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and re.search(message, err), err
    assert not list(workspace.results.rglob("*"))  # no file, no lock, no empty folder left behind
    if re.search("import|name", message):  # a path is imported, and a metric named, once, before any run
        assert not list(workspace.cache.rglob("*.pt")), "measurements were simulated before the path failed"


def test_a_metric_is_named_by_its_last_part_and_custom_parts_get_a_safe_folder(monkeypatch, tmp_path):
    assert metric_name("tests.example_pkg.metrics:MAE") == "mae"
    assert metric_name("pkg.mod:Masked_MAE") == "masked-mae"  # an identifier's '_' as '-': the one rule of names
    (tmp_path / "hostile_paths.py").write_text("globals().update({'../../x': object(), 'a b:=1+2': object()})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    parts = CustomParts("hostile_paths:../../x", "hostile_paths:a b:=1+2")
    assert NAME.fullmatch(parts.label)  # a hash of the import paths, never the paths themselves
