"""The scenarios registry: the paper's four as files, and a new scenario file added by a user."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from types import ModuleType

import pandas as pd
import pytest

from pipeline.base.discovery import entry_of
from pipeline.base.errors import UsageError
from pipeline.grid.plan import pairs
from pipeline.methods import Method, registry
from pipeline.base.names import NAME, RULE
from pipeline.setting.scenarios import SCENARIOS, Scenario
from tests.conftest import ROOT


def test_the_papers_four_scenarios_come_first_and_configs_hold_only_physics():
    assert list(SCENARIOS)[:4] == ["mri", "noisy", "single", "multicoil"]
    for scenario in SCENARIOS.values():
        physics = {"name", "noise_sigma", "fixed_mask", "coils", "acceleration"}
        # multi-coil: how the CG data step is differentiated (single-coil has no CG: no entry, no new hash)
        assert set(scenario.as_config()) == physics | ({"data_step_gradient"} if scenario.multicoil else set())
    paper = {name for name, method in registry().items() if method.in_paper}
    assert len([m for _, m in pairs(["mri"]) if m in paper]) == 14  # the paper's grid
    assert len([m for _, m in pairs(["noisy"]) if m in paper]) == 10


NEW_SCENARIO = '''"""Noiseless single-coil MRI at acceleration 8: a user's scenario file."""

from pipeline.setting.scenarios import Scenario

SCENARIO = Scenario("mri-x8", "Noiseless single-coil, x8", "As mri, at acceleration 8.", acceleration=8)
'''


def test_a_new_scenario_file_appears_in_list_grid_tables_and_site(tmp_path):
    """Adding one file to pipeline/setting/scenarios/ is all it takes (checked on a copy of the project)."""
    for part in ("pipeline", "site", "examples"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    (tmp_path / "pipeline" / "setting" / "scenarios" / "mri_x8.py").write_text(NEW_SCENARIO)

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


def test_every_registered_name_follows_the_rule():
    assert all(NAME.fullmatch(name) for name in [*SCENARIOS, *registry()])


@pytest.mark.parametrize("attribute, expected, example", [
    ("SCENARIO", Scenario, lambda: SCENARIOS["mri"]), ("METHOD", Method, lambda: registry()["mc"]),
])
@pytest.mark.parametrize("name", ["../../../x", "a/b", "my scen", "Upper", "=1+2", "1abc", ""])
def test_a_registered_name_against_the_rule_is_a_one_line_error_naming_its_file(attribute, expected, example, name):
    """A name becomes folders, site pages, Makefile targets and CSV cells: one that could leave its
    folder, split a target or start a formula is refused where the file registers it."""
    module = ModuleType("pipeline.registry.bad")
    module.__file__ = "/project/pipeline/registry/bad.py"
    setattr(module, attribute, replace(example(), name=name))
    with pytest.raises(UsageError) as refused:
        entry_of(module, attribute, expected)
    message = str(refused.value)
    assert len(message.splitlines()) == 1 and f"{attribute.lower()} name {name!r} in {module.__file__}" in message
    assert RULE in message


def test_a_file_registering_nothing_or_a_name_twice_is_a_one_line_error(tmp_path, monkeypatch):
    from pipeline.base.discovery import discover

    package = tmp_path / "plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pipeline.setting.scenarios import Scenario\nSCENARIO = Scenario('dup', 't', 'd')\n")
    (package / "b.py").write_text("from pipeline.setting.scenarios import Scenario\nSCENARIO = Scenario('dup', 't', 'd')\n")
    (package / "c.py").write_text("SCENARIO = 'not one'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UsageError) as twice:
        discover("plugins", [str(package)], "SCENARIO", Scenario)
    assert "register the name 'dup'" in str(twice.value) and "\n" not in str(twice.value)
    (package / "b.py").unlink()
    with pytest.raises(UsageError, match=r"c\.py must define SCENARIO = Scenario\(\.\.\.\)"):
        discover("plugins", [str(package)], "SCENARIO", Scenario)
