"""Every loss term alive: each term of each method gives a parameter gradient (``pipeline.run.liveterms``).

The check trains real (smoke-sized) networks with the pipeline's own training for a few steps.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.run import liveterms
from pipeline.cli import main
from pipeline.grid.plan import pairs
from pipeline.methods import get_method
from pipeline.setting.profiles import PROFILES
from pipeline.setting.scenarios import get_scenario

STEPS = 2


def grid(scenarios=None, methods=None):
    return [(get_scenario(s), get_method(m, s)) for s, m in pairs(scenarios, methods)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_no_profile_ends_on_the_projection():
    assert {p.final_step for p in PROFILES.values()} <= {"denoiser", "prox"}


@pytest.mark.parametrize("final_step", sorted({p.final_step for p in PROFILES.values()}))
def test_every_term_of_every_method_is_alive_under_each_final_step_a_profile_ends_on(final_step, cache):
    everything = grid()
    result = liveterms.check(replace(PROFILES["smoke"], final_step=final_step), everything, cache, STEPS)
    assert [d.line() for d in result.dead] == []
    trained = {(s.name, m.name) for s, m in everything if m.losses is not None}
    for step in (0, STEPS):  # every trained method was checked, at both steps, with at least one term each
        assert {(g.scenario, g.method) for g in result.gradients if g.step == step} == trained
    adversarial = {g.term for g in result.gradients if g.method == "uair"}
    assert adversarial == {"UAIRGeneratorLoss: adversarial", "UAIRGeneratorLoss: cycle", "UAIRDiscriminatorLoss"}


def test_the_projection_silences_measurement_consistency_in_noiseless_single_coil(cache, capsys):
    code = main(["check-terms", "--profile", "smoke", "--final-step", "projection", "--scenarios", "mri,single",
                 "--methods", "mc,ei,uair,mo-ei", "--steps", str(STEPS), "--cache-dir", str(cache)])
    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    dead = {(line.split("method '")[1].split("'")[0], line.split("scenario '")[1].split("'")[0],
             line.split("dead term: ")[1].split(" of method")[0]) for line in errors}
    # the MC term (alone, or inside EI and MO-EI) and UAIR's cycle, in both noiseless single-coil scenarios
    assert dead == {(m, s, t) for s in ("mri", "single")
                    for m, t in [("mc", "MCLoss"), ("ei", "MCLoss"), ("mo-ei", "MCLoss"), ("uair", "UAIRGeneratorLoss: cycle")]}
    assert len(errors) == len(dead)  # one line per term, its steps together
    assert all("the final step 'projection' silences it" in line and "steps 0 and 2" in line for line in errors)


def test_the_denoiser_revives_what_the_projection_silences(cache):
    projection = replace(PROFILES["smoke"], final_step="projection")
    result = liveterms.check(projection, grid(["mri"], ["mc"]), cache, STEPS)
    assert [(d.gradients[0].term, d.revived) for d in result.dead] == [("MCLoss", True)]
    assert max(g.ratio for g in result.dead[0].gradients) < liveterms.RTOL
    alive = liveterms.term_gradients(replace(projection, final_step="denoiser"), get_scenario("mri"),
                                     get_method("mc"), cache, STEPS)
    assert min(g.ratio for g in alive) > 1e3 * liveterms.RTOL


@pytest.mark.parametrize("argv, message", [
    (["--steps", "0"], "--steps must be a positive integer"),
    (["--methods", "nope"], "unknown method 'nope'"),
    (["--scenarios", "noisy", "--methods", "mc"], "no method of mc applies to scenario(s) noisy"),
])
def test_bad_input_is_one_line(argv, message, cache, capsys):
    assert main(["check-terms", "--profile", "smoke", "--cache-dir", str(cache), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
