"""Which methods the pull-request check runs: ``pipeline.grid.changes`` on a copy of the package, and
the workflow that calls it (valid YAML, only ``make`` targets that exist)."""

from __future__ import annotations

import re
import shutil
import subprocess

import yaml

from pipeline.grid.changes import changed_files, touched_methods
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "contribute.yml"
NEW = 'r"""New."""\nfrom pipeline.methods import Method\nMETHOD = Method(name="brand-new", title="t", summary="s", ' \
      'reference="r", url="https://x", deepinv_classes=(), scenarios=("mri",), losses=None)\n'


def test_an_added_method_file_is_checked(tmp_path):
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pipeline" / "methods" / "brand_new.py").write_text(NEW)
    assert touched_methods(["pipeline/methods/brand_new.py", "README.md"], tmp_path) == (["brand-new"], [])


def test_a_changed_method_file_is_checked_by_its_registered_name():
    assert touched_methods(["pipeline/methods/mo_ei.py"], ROOT) == (["mo-ei"], [])


def test_a_change_only_to_a_loss_checks_the_methods_that_use_it():
    assert touched_methods(["pipeline/losses/full_measurement.py"], ROOT) == (
        ["moc-ssdu-full", "noise2recon-ssdu-full"], [])
    assert touched_methods(["pipeline/losses/adversarial.py"], ROOT) == (["adversarial", "uair"], [])


def test_a_deleted_method_is_named_and_not_run():
    assert touched_methods(["pipeline/methods/gone.py"], ROOT) == ([], ["pipeline/methods/gone.py"])


def test_changed_files_come_from_git_diff_against_the_base(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (tmp_path / "a.txt").write_text("a")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    git("checkout", "-qb", "feature")
    (tmp_path / "pipeline" / "methods").mkdir(parents=True)
    (tmp_path / "pipeline" / "methods" / "x.py").write_text("x")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "feature")
    assert changed_files("main", tmp_path) == ["pipeline/methods/x.py"]


def test_the_workflow_is_valid_yaml_and_calls_only_targets_that_exist():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert set(triggers["pull_request"]["paths"]) == {"pipeline/methods/**", "pipeline/losses/**"}
    runs = "\n".join(step.get("run", "") for step in workflow["jobs"]["contribute"]["steps"])
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    called = set(re.findall(r"\bmake ([a-z][a-z-]*)", runs))
    assert called == {"contribute"} and called <= targets
    assert "python -m pipeline changed-methods --base" in runs
