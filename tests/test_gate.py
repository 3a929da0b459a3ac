"""A results folder is untrusted input (``pipeline.analysis.gate``): every bad name, size, shape or link in it is
refused in one line before the site, ``findings`` or ``compare`` use it, and nothing is ever
written outside ``--out``. Each case edits a copy of the smoke results (run folders included)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import gate
from pipeline.cli import main
from pipeline.analysis.leaderboard import read_profiles

TABLES = ("runs.csv", "per_image.csv", "summary.csv", "curves.csv", "curves_per_image.csv")


@pytest.fixture
def results(smoke_grid, tmp_path) -> Path:
    copy = tmp_path / "results"
    shutil.copytree(smoke_grid.results, copy, ignore=shutil.ignore_patterns(".*"))
    return copy


def listing(root: Path, out: Path) -> set[str]:
    """Every path under ``root`` but those under ``out``."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if out not in p.parents and p != out}


def rename(results: Path, column: str, old: str, new: str) -> None:
    """``old`` renamed ``new`` in every table's ``column`` and in the catalogue (key, name, references)."""
    for name in TABLES:
        table = pd.read_csv(results / "smoke" / name)
        table.loc[table[column] == old, column] = new
        table.to_csv(results / "smoke" / name, index=False)
    known = json.loads((results / "catalogue.json").read_text())
    section = "methods" if column == "method" else "scenarios"
    entry = known[section].pop(old)
    known[section][new] = {**entry, "name": new}
    for method in known["methods"].values():
        method["scenarios"] = [new if s == old else s for s in method["scenarios"]]
    (results / "catalogue.json").write_text(json.dumps(known))


def run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err.strip()


def site(results: Path, capsys) -> tuple[int, str]:
    """Build the site into ``<results' parent>/a/b``; returns the exit code and stderr, and checks
    that nothing was written outside ``--out``."""
    root = results.parent
    out = root / "a" / "b"
    before = listing(root, out)
    code, err = run(["site", "--results-dir", str(results), "--out", str(out)], capsys)
    assert listing(root, out) - before <= {"a"}, "written outside --out"
    return code, err


def one_line_refusal(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert all(w in lines[0] for w in words), lines[0]


def test_the_committed_results_pass_the_gate():
    profiles = read_profiles(Path(__file__).resolve().parent.parent / "results")
    assert {"quick", "cpu"} <= {p.name for p in profiles}


@pytest.mark.parametrize("column, old, new", [
    ("method", "ssdu", "../../../../escaped-by-name"),
    ("scenario", "single", "../../../../../escaped-by-scenario"),
    ("method", "ssdu", "<img src=x onerror=alert(12)>"),
])
def test_a_name_that_leaves_its_folder_is_refused_in_one_line_and_nothing_is_written(results, capsys, column, old, new):
    rename(results, column, old, new)
    one_line_refusal(*site(results, capsys), "is not allowed", "catalogue.json")
    one_line_refusal(*run(["findings", "--profile", "smoke", "--results-dir", str(results)], capsys), "is not allowed")
    one_line_refusal(*run(["compare", str(results), str(results), "--profile", "smoke"], capsys), "is not allowed")


def write_gallery(path: Path, **arrays) -> None:
    path.unlink()
    np.savez_compressed(path, **arrays)


def gallery(n=2, size=32, dtype=np.float16, **changes):
    arrays = {"image": np.arange(n, dtype=np.int64), "recon": np.zeros((n, size, size), dtype),
              "target": np.zeros((n, size, size), dtype)}
    return {**arrays, **changes}


GALLERY = Path("smoke/runs/mri/ei/seed0/gallery.npz")


def huge_table(results: Path) -> None:
    with open(results / "smoke" / "runs.csv", "r+b") as f:  # a sparse file: no disk used
        f.truncate(gate.LIMITS["table"] + 1)


def long_line(results: Path) -> None:
    path = results / "smoke" / "curves.csv"
    path.write_text(path.read_text() + "x" * (50 * 2**20) + "\n")


def bad_profile_folder(results: Path) -> None:
    (results / "smoke").rename(results / "Smoke Profile")


def link_out(results: Path) -> None:
    target = results / GALLERY
    target.unlink()
    target.symlink_to("/etc/passwd")


def curve_epochs_as_words(results: Path) -> None:
    path = results / "smoke" / "curves.csv"
    table = pd.read_csv(path)
    table["epoch"] = "twelve"
    table.to_csv(path, index=False)


def infinite_score(results: Path) -> None:
    path = results / "smoke" / "runs.csv"
    table = pd.read_csv(path)
    table.loc[0, "psnr"] = float("inf")
    table.to_csv(path, index=False)


def catalogue_edit(edit):
    def apply(results: Path) -> None:
        known = json.loads((results / "catalogue.json").read_text())
        edit(known)
        (results / "catalogue.json").write_text(json.dumps(known))
    return apply


CASES = {
    "gallery huge when decompressed": (lambda r: write_gallery(r / GALLERY, **gallery(recon=np.zeros((2, 2000, 2000), np.float16))),
                                       ["decompressed", "gallery.npz"]),
    "gallery of the wrong dtype": (lambda r: write_gallery(r / GALLERY, **gallery(dtype=np.float64)), ["float64"]),
    "gallery of the wrong shape": (lambda r: write_gallery(r / GALLERY, **gallery(recon=np.zeros((2, 32), np.float16))),
                                   ["rank 3"]),
    "gallery of pickled objects": (lambda r: write_gallery(r / GALLERY, **gallery(recon=np.array([{}, {}], dtype=object))),
                                   ["object"]),
    "gallery that is not an archive": (lambda r: (r / GALLERY).write_bytes(b"PK\x03\x04 not a zip"), ["not a gallery"]),
    "runs.csv beyond the size limit": (huge_table, ["MiB, more than the limit"]),
    "a 50 MB line in curves.csv": (long_line, ["a line longer than the limit"]),
    "a profile folder that breaks the name rule": (bad_profile_folder, ["Smoke Profile", "not allowed"]),
    "a link that leaves the results folder": (link_out, ["symbolic link", "/etc/passwd"]),
    "curve epochs that are not numbers": (curve_epochs_as_words, ["epoch 'twelve' is not an integer"]),
    "an infinite score": (infinite_score, ["psnr", "not a finite number"]),
    "a method in the tables the catalogue lacks": (catalogue_edit(lambda k: k["methods"].pop("ssdu")),
                                                  ["ssdu", "the catalogue and the tables disagree"]),
    "a scenario in the tables the catalogue lacks": (catalogue_edit(lambda k: k["scenarios"].pop("single")),
                                                    ["single", "the catalogue lacks"]),
    "a method without a title": (catalogue_edit(lambda k: k["methods"]["ei"].pop("title")), ["damaged", "title"]),
    "a title that is not text": (catalogue_edit(lambda k: k["methods"]["ei"].__setitem__("title", 5)),
                                 ["ei's title is int"]),
    "a catalogue key that differs from its name": (catalogue_edit(lambda k: k["methods"]["ei"].__setitem__("name", "mc")),
                                                   ["named 'mc'"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_damaged_or_hostile_results_folder_is_refused_in_one_line(results, capsys, case):
    damage, words = CASES[case]
    damage(results)
    one_line_refusal(*site(results, capsys), *words)


def test_a_gallery_of_another_image_size_is_left_out_with_a_warning(results, capsys):
    write_gallery(results / GALLERY, **gallery(size=16))
    code, err = site(results, capsys)
    assert code == 0, err
    assert "warning:" in err and "left out of the gallery" in err
    out = results.parent / "a" / "b" / "docs" / "assets" / "gallery" / "smoke" / "mri"
    assert not list(out.glob("ei-*.png")) and list(out.glob("mc-*.png"))


def test_a_link_inside_the_results_folder_is_allowed(results, capsys):
    (results / "smoke" / "extra").symlink_to(results / "smoke" / "runs")
    assert site(results, capsys)[0] == 0
    assert os.path.islink(results / "smoke" / "extra")
