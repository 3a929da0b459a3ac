"""The scenarios registry: the paper's four as files, and a new scenario file added by a user."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd

from pipeline.grid import pairs
from pipeline.methods import registry
from pipeline.scenarios import SCENARIOS
from tests.conftest import ROOT


def test_the_papers_four_scenarios_come_first_and_configs_hold_only_physics():
    assert list(SCENARIOS)[:4] == ["mri", "noisy", "single", "multicoil"]
    for scenario in SCENARIOS.values():
        assert set(scenario.as_config()) == {"name", "noise_sigma", "fixed_mask", "coils", "acceleration"}
    paper = {name for name, method in registry().items() if method.in_paper}
    assert len([m for _, m in pairs(["mri"]) if m in paper]) == 14  # the paper's grid
    assert len([m for _, m in pairs(["noisy"]) if m in paper]) == 10


NEW_SCENARIO = '''"""Noiseless single-coil MRI at acceleration 8: a user's scenario file."""

from pipeline.scenarios import Scenario

SCENARIO = Scenario("mri-x8", "Noiseless single-coil, x8", "As mri, at acceleration 8.", acceleration=8)
'''


def test_a_new_scenario_file_appears_in_list_grid_tables_and_site(tmp_path):
    """Adding one file to pipeline/scenarios/ is all it takes (checked on a copy of the project)."""
    for part in ("pipeline", "site", "examples"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    (tmp_path / "pipeline" / "scenarios" / "mri_x8.py").write_text(NEW_SCENARIO)

    def pipeline(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=tmp_path, capture_output=True,
                              text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "CI": "true"})
        assert done.returncode == 0, done.stderr
        return done

    listed = [line.split()[:2] for line in pipeline("list", "--profile", "smoke").stdout.splitlines()]
    assert sum(row[0] == "mri-x8" for row in listed if row) == len(pairs(["mri"]))  # the methods of mri
    assert "mri-x8/ei/seed0" in pipeline("grid", "--profile", "smoke").stdout.split()

    pipeline("benchmark", "--profile", "smoke", "--scenarios", "mri-x8", "--methods", "zero-filled,mc")
    runs = pd.read_csv(tmp_path / "results" / "smoke" / "runs.csv")
    assert set(runs.scenario) == {"mri-x8"} and sorted(runs.method) == ["mc", "zero-filled"]
    config = (tmp_path / "results" / "smoke" / "runs" / "mri-x8" / "mc" / "seed0" / "config.json").read_text()
    assert '"acceleration": 8' in config

    pipeline("site", "--out", str(tmp_path / "site-build"))
    page = (tmp_path / "site-build" / "html" / "scenarios" / "smoke-mri-x8" / "index.html").read_text()
    assert "Noiseless single-coil, x8" in page
