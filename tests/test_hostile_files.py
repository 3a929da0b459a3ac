"""Hostile files, second pass: file kinds (a named pipe, a folder), array headers, JSON depth, name
lengths, a weights file whose name is a shell command, and tables that disagree with their runs.
Each case edits a copy of the smoke results; the site (and, where it reads the file, ``findings``)
must refuse it in one line with exit code 2, never hang, and write nothing outside ``--out``."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import gate
from pipeline.render.images import shipped_weights
from tests.conftest import ROOT
from tests.test_gate import GALLERY, gallery, one_line_refusal, rename, results, run, site  # noqa: F401  (fixture)

WEIGHTS = Path("weights/smoke/mri/mc")
DEEP = 100_000


def custom_folder(results: Path) -> Path:
    """A custom-results folder with real tables beside the file under test."""
    folder = results / "smoke" / "custom" / "custom-0badc0de"
    folder.mkdir(parents=True)
    pd.read_csv(results / "smoke" / "runs.csv").head(2).to_csv(folder / "runs.csv", index=False)
    return folder


def replace_by(path: Path, kind: str) -> None:
    """``path`` (existing or not) made a named pipe or a folder."""
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path) if kind == "fifo" else path.mkdir()


def weights(results: Path, name: str = "seed0.pt") -> Path:
    path = results / WEIGHTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really weights, but a regular file")
    return path


def npy(shape: tuple, dtype: str, data: bytes) -> bytes:
    """An .npy file whose header says ``shape`` and ``dtype`` whatever ``data`` holds."""
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": shape})
    return f.getvalue() + data


def forged_gallery(path: Path, recon: bytes, n: int = 3) -> None:
    arrays = gallery(n=n)
    path.unlink()
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("image", "target"):
            f = io.BytesIO()
            np.save(f, arrays[name])
            archive.writestr(f"{name}.npy", f.getvalue())
        archive.writestr("recon.npy", recon)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def build_in_subprocess(results: Path) -> subprocess.CompletedProcess:
    """The site built by a separate process with a deadline: a build that blocks fails the test
    instead of hanging the suite."""
    return subprocess.run([sys.executable, "-m", "pipeline", "site", "--results-dir", str(results),
                           "--out", str(results.parent / "a" / "b")], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("where", ["custom", "catalogue", "curves"])
def test_a_named_pipe_is_refused_without_waiting_on_it(results, where):
    path = {"custom": lambda: custom_folder(results) / "custom.json", "catalogue": lambda: results / "catalogue.json",
            "curves": lambda: results / "smoke" / "curves.csv"}[where]()
    replace_by(path, "fifo")
    done = build_in_subprocess(results)
    one_line_refusal(done.returncode, done.stderr.strip(), str(path), "a named pipe where a file belongs")


CASES = {
    "a named pipe as a weights file": (lambda r: replace_by(r / WEIGHTS / "seed0.pt", "fifo"), ["seed0.pt", "named pipe"]),
    "a folder as a weights file": (lambda r: replace_by(r / WEIGHTS / "seed1.pt", "folder"), ["seed1.pt", "a folder"]),
    "a folder as custom.json": (lambda r: replace_by(custom_folder(r) / "custom.json", "folder"),
                                ["custom.json", "a folder where a file belongs"]),
    "a folder as a gallery": (lambda r: replace_by(r / GALLERY, "folder"), ["gallery.npz", "a folder"]),
    "a method name of 250 characters": (lambda r: rename(r, "method", "mc", "m" * 250), ["at most 64 characters"]),
    "catalogue.json nested 100,000 deep": (lambda r: (r / "catalogue.json").write_text(nested(DEEP)),
                                           ["catalogue.json", "deeper than 64 levels"]),
    "custom.json nested 100,000 deep": (lambda r: (custom_folder(r) / "custom.json").write_text(
        json.dumps({"model": "x"})[:-1] + ', "deep": ' + nested(DEEP) + "}"), ["custom.json", "deeper than 64 levels"]),
    "a gallery with a dimension of zero": (lambda r: forged_gallery(r / GALLERY, npy((3, 0, 64), "<f2", b"")),
                                           ["(3, 0, 64)", "every dimension must be positive"]),
    "a gallery with negative dimensions": (lambda r: forged_gallery(r / GALLERY, npy((-1, -8, 8), "<f2", b"\0" * 128)),
                                           ["(-1, -8, 8)", "every dimension must be positive"]),
    "a gallery shorter than its header": (lambda r: forged_gallery(r / GALLERY, npy((3, 64, 64), "<f2", b"\0" * 100)),
                                          ["holds 100 bytes, not the 24576"]),
    "a gallery longer than its header": (lambda r: forged_gallery(r / GALLERY, npy((3, 8, 8), "<f2", b"\0" * 400)),
                                         ["holds 400 bytes, not the 384"]),
    "a gallery image a million pixels wide": (lambda r: forged_gallery(r / GALLERY, npy((1, 1, 10**6), "<f2", b"\0" * 2 * 10**6), n=1),
                                              ["(1, 1, 1000000)", "outside 8-1024 pixels"]),
    "a weights file named as a shell command": (lambda r: weights(r, "seed$(touch PWNED).pt"),
                                                ["seed$(touch PWNED).pt", "must be named seed<k>.pt"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_hostile_file_is_refused_in_one_line(results, capsys, case):
    damage, words = CASES[case]
    weights(results)  # a real shipped weights file beside whatever the case plants
    damage(results)
    one_line_refusal(*site(results, capsys), *words)
    assert not (ROOT / "PWNED").exists() and not (Path.cwd() / "PWNED").exists()


def test_findings_refuse_deep_json_too(results, capsys):
    (results / "catalogue.json").write_text(nested(DEEP))
    one_line_refusal(*run(["findings", "--profile", "smoke", "--results-dir", str(results)], capsys),
                     "deeper than 64 levels")


def test_a_duplicated_row_standing_for_a_deleted_one_is_refused(results, capsys):
    path = results / "smoke" / "runs.csv"
    runs = pd.read_csv(path)
    forged = pd.concat([runs.iloc[:-1], runs.iloc[[0]].assign(psnr=40.0)], ignore_index=True)  # same count of rows
    forged.to_csv(path, index=False)
    one_line_refusal(*site(results, capsys), "runs.csv", "are the same scenario/method/seed")


def test_a_row_that_disagrees_with_its_run_record_is_refused(results, capsys):
    path = results / "smoke" / "runs.csv"
    runs = pd.read_csv(path)
    runs.loc[runs.status == "ok", "psnr"] += 0.5  # every per-image row still there: only run.json can tell
    runs.to_csv(path, index=False)
    one_line_refusal(*site(results, capsys), "run.json differ in psnr")


def test_the_shown_command_is_quoted_argument_by_argument(results, tmp_path):
    weights(results)
    (entry,) = shipped_weights(results, tmp_path)["mc"]
    assert shlex.split(entry["command"]) == ["python", "-m", "pipeline", "evaluate", "--profile", "smoke",
                                             "--scenario", "mri", "--checkpoint", entry["file"]]
    assert gate.WEIGHTS_NAME.fullmatch("seed12.pt") and not gate.WEIGHTS_NAME.fullmatch("seed1.pt; rm -rf ~")


def test_evaluate_refuses_a_named_pipe_as_a_checkpoint_without_waiting(tmp_path):
    pipe = tmp_path / "seed0.pt"
    os.mkfifo(pipe)
    done = subprocess.run([sys.executable, "-m", "pipeline", "evaluate", "--profile", "smoke", "--scenario", "mri",
                           "--checkpoint", str(pipe), "--results-dir", str(tmp_path / "results")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    one_line_refusal(done.returncode, done.stderr.strip(), str(pipe), "a named pipe where a file belongs")
