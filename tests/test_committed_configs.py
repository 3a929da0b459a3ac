"""Every committed run is current: the config the code builds for it is the one in its folder.

A run is redone when its config hash changes, so a change that should leave results alone (a
refactor, a move of modules) must leave every committed config as it is. The run is rebuilt from
its folder's names (profile, scenario, method, seed, dataset) with the profile's own final step,
or with the step it records where its folder was run with ``--final-step`` (the pilots).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest

from pipeline.grid.plan import pairs, run_spec
from pipeline.grid.request import GridRequest
from tests.conftest import ROOT

CONFIGS = sorted((ROOT / "results").rglob("runs/*/*/seed*/config.json"))


def rebuilt_config(committed: dict) -> dict:
    """The config today's code gives the committed run: with its profile's step, else with the
    step it records (a run made with ``--final-step``)."""
    request = GridRequest(profile=committed["profile"]["name"], dataset=committed["dataset"]["name"],
                          data_dir=committed["dataset"]["data_dir"])
    run = (committed["scenario"]["name"], committed["method"]["name"], committed["seed"])
    spec = run_spec(request, *run)
    if spec.config()["final_step"] != committed["final_step"]:
        spec = run_spec(replace(request, final_step=committed["final_step"]), *run)
    return {"config_hash": spec.config_hash(), **spec.config()}


def test_the_committed_headline_holds_every_pair_at_seeds_0_to_2():
    """quick's runs are read off the headline's; the final-step pilot keeps its own under pilots/."""
    headline = {(c.parts[-4], c.parts[-3], c.parts[-2]) for c in (ROOT / "results" / "cpu").glob("runs/*/*/seed*/config.json")}
    assert headline == {(s, m, f"seed{k}") for s, m in pairs() for k in range(3)}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.parent.relative_to(ROOT / "results")))
def test_every_committed_run_has_the_config_the_code_builds(path):
    committed = json.loads(path.read_text())
    assert rebuilt_config(committed) == committed


def test_the_committed_catalogue_is_the_one_the_code_writes():
    """The site shows each method's maths and file from ``results/catalogue.json``, which ``collect``
    writes: a method file changed without collecting again would publish the old one."""
    from pipeline.analysis import catalogue
    from pipeline.methods import registry
    from pipeline.setting.profiles import PROFILES
    from pipeline.setting.scenarios import SCENARIOS

    built = json.loads(json.dumps(asdict(catalogue.from_registry(registry(), SCENARIOS, PROFILES, ROOT))))
    assert json.loads((ROOT / "results" / catalogue.FILE).read_text()) == built, "run `make collect` to write it again"
