"""``python -m pipeline contribute``: a new method file, trained beside the committed results of a
profile in a scratch folder, and its report; ``results/`` is only read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, assert_pinned

NEW_METHOD = r'''r"""Measurement consistency again, as a contributed method for the test.

.. math::

    \mathcal{L}(\theta) = \| y - A f_\theta(y, A) \|^2
"""
from deepinv.loss import MCLoss

from pipeline.methods import Method

METHOD = Method(name="my-mc", title="My MC", summary="MC, contributed.", reference="A. Author, 2026, a venue",
                url="https://example.org/my-mc", deepinv_classes=("deepinv.loss.MCLoss",), scenarios=("mri",),
                losses=lambda setup: [MCLoss()])
'''
NO_MATHS = NEW_METHOD.replace(".. math::", "No maths here.").replace('"my-mc"', '"no-maths"')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the package with new method files (README's worked example among them), and smoke
    results committed in it."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "pipeline", root / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "examples" / "flip_ei.py", root / "pipeline" / "methods" / "flip_ei.py")
    (root / "pipeline" / "methods" / "no_maths.py").write_text(NO_MATHS)
    done = cli(root, "benchmark", "--profile", "smoke", "--scenarios", "mri", "--seeds", "0,1",
               "--methods", "zero-filled,supervised,mc,ssdu")
    assert done.returncode == 0, done.stderr
    return root


def cli(root, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "CI": "true"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_contributed_method_is_ranked_beside_the_committed_results(project):
    """The worked example of README (the tutorial's flip-equivariant loss), on the smoke profile."""
    before = {p: p.read_bytes() for p in (project / "results").rglob("*") if p.is_file()}
    done = cli(project, "contribute", "flip-ei", "--profile", "smoke", "--lines")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^mri/flip-ei/seed1: epoch 1/\d+, test PSNR", done.stderr, re.M), done.stderr  # --lines passed on
    report = (project / "build" / "contribute" / "flip-ei.md").read_text()
    records = list((project / "build" / "contribute" / "results" / "smoke" / "runs" / "mri" / "flip-ei").glob("seed*/run.json"))
    assert len(records) == 2
    for record in records:
        assert_pinned(json.loads(record.read_text()))
    assert re.search(r"^## mri\n\n\*\*Rank =?[1-5] of 5\*\*", report, re.M), report
    # two seeds: t with one degree of freedom (12.7), so a bound may well leave the metric's range
    assert re.search(r"PSNR \d+\.\d\d dB \[-?\d+\.\d\d, \d+\.\d\d\], SSIM [\d.]+ \[-?[\d.]+, [\d.]+\] \(2 seeds\)", report), report
    assert re.search(r"^\| zero-filled \| [+-]\d+\.\d\d \| \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] \| (significant|tie) \|$", report, re.M)
    assert re.search(r"^Verdict: ties with ", report, re.M)
    assert "make contribute METHOD=flip-ei PROFILE=smoke" in report
    assert "Ground-truth guard: passed in mri (smoke steps with every ground-truth image replaced by NaN)." in report
    assert {p: p.read_bytes() for p in (project / "results").rglob("*") if p.is_file()} == before  # only read
    assert (project / "build" / "contribute" / "results" / "smoke" / "runs" / "mri" / "flip-ei" / "seed1").is_dir()


def test_a_method_file_without_its_maths_is_refused_in_one_line(project):
    done = cli(project, "contribute", "no-maths", "--profile", "smoke")
    assert done.returncode == 2
    assert done.stderr == ("error: method 'no-maths' (pipeline/methods/no_maths.py) is not ready: its module docstring "
                           "states no loss in maths (a `.. math::` block or a :math:`...` role)\n")


def test_a_variant_that_does_not_say_how_it_departs_is_refused_in_one_line(tmp_path):
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    variant = NEW_METHOD.replace('"my-mc"', '"mc-again"').replace('losses=', 'variant_of="mc", losses=')
    (tmp_path / "pipeline" / "methods" / "mc_again.py").write_text(variant)
    done = cli(tmp_path, "contribute", "mc-again", "--profile", "smoke")
    assert done.returncode == 2
    assert done.stderr == "error: method 'mc-again': a variant must say how it departs from 'mc' (departure=...)\n"


def test_contribute_narrows_to_the_seeds_and_scenarios_asked_for(project):
    """SEEDS= trains only those seeds (the report pairs them with the committed runs of the same
    seeds); a scenario the method does not declare is refused in one line, before any training."""
    done = cli(project, "contribute", "flip-ei", "--profile", "smoke", "--seeds", "1", "--scenarios", "mri",
               "--scratch-dir", "build/narrowed")
    assert done.returncode == 0, done.stderr
    runs = project / "build" / "narrowed" / "results" / "smoke" / "runs" / "mri" / "flip-ei"
    assert sorted(p.name for p in runs.iterdir()) == ["seed1"]
    report = (project / "build" / "narrowed" / "flip-ei.md").read_text()
    assert "make contribute METHOD=flip-ei PROFILE=smoke SCENARIOS=mri SEEDS=1" in report
    refused = cli(project, "contribute", "flip-ei", "--profile", "smoke", "--scenarios", "single")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "does not run in single: choose among mri" in refused.stderr
