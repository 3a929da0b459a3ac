"""The methods registry and each method's losses, trained for real at smoke size."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
import torch
from deepinv.loss import AugmentConsistencyLoss, EILoss, Loss, SplittingLoss
from deepinv.transform import Rotate
from torchvision.transforms import InterpolationMode

from pipeline.setting.data import DatasetSpec
from pipeline.losses import AdjointMCLoss, MOConsistencyLoss, unwrap
from pipeline.setting.measurements import load_measurements
from pipeline.methods import Method, get_method, registry, variants_of
from pipeline.setting.model import build_model
from pipeline.setting.profiles import PROFILES
from pipeline.run.spec import RunSpec
from pipeline.run.setup import method_setup, training_physics
from pipeline.run.training import train
from pipeline.setting.scenarios import SCENARIOS
from tests.conftest import ROOT, run_cli

SMOKE = PROFILES["smoke"]
SELF_SUPERVISED = [
    (scenario, name)
    for name, m in registry().items() if m.losses is not None and not m.uses_ground_truth
    for scenario in m.scenarios
]


def test_registry_has_the_foundation_methods():
    assert {"zero-filled", "supervised", "mc", "ssdu", "ei"} <= set(registry())


@pytest.mark.parametrize("name", list(registry()))
def test_method_declares_its_metadata(name):
    m = registry()[name]
    assert isinstance(m, Method)
    assert m.title and m.summary and m.reference and m.url.startswith("https://")
    assert m.doc, f"{m.source} needs a module docstring with the maths"
    assert (ROOT / m.source).exists()
    assert m.scenarios and set(m.scenarios) <= set(SCENARIOS)
    assert all(c.startswith("deepinv.") for c in m.deepinv_classes)
    assert m.uses_ground_truth == (name == "supervised")


class SpyLoss(Loss):
    """Wraps a loss and records the ground truth it was handed."""

    def __init__(self, loss: Loss, seen: list):
        super().__init__()
        self.loss, self.seen = loss, seen

    def adapt_model(self, model):
        return self.loss.adapt_model(model)

    def forward(self, x, **kwargs):
        self.seen.append(x)
        global_state = torch.get_rng_state()
        value = self.loss(x=x, **kwargs)
        # every draw of a loss comes from a named stream of the run (pipeline.base.streams), never
        # from torch's global state (libcpab's CPAB and an unseeded noise model once did)
        assert torch.equal(torch.get_rng_state(), global_state), f"{type(self.loss).__name__} drew from the global RNG"
        return value


@pytest.mark.parametrize("scenario, name", SELF_SUPERVISED)
def test_self_supervised_method_trains_without_ground_truth(scenario, name, tmp_path):
    method = get_method(name, scenario)
    spec = RunSpec(SMOKE, SCENARIOS[scenario], method, 0, DatasetSpec("mni"))
    data = load_measurements(SMOKE, spec.scenario, spec.dataset, 0, tmp_path)
    setup = method_setup(spec, data, torch.device("cpu"))
    seen: list = []
    spied = replace(method, losses=lambda s: [SpyLoss(l, seen) for l in method.losses(s)])
    model = build_model(SMOKE)
    before = [p.detach().clone() for p in model.parameters()]
    trained, history = train(RunSpec(SMOKE, spec.scenario, spied, 0, spec.dataset), model,
                             training_physics(spec, SMOKE.img_size, torch.device("cpu")), setup, data.train,
                             torch.device("cpu"), False)
    assert seen and all(x is None for x in seen)  # no loss was ever handed ground truth
    assert all(torch.isfinite(torch.tensor(v)).all() for v in history.values())
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))  # it learnt


def test_zero_filled_is_the_adjoint(tmp_path):
    data = load_measurements(SMOKE, SCENARIOS["multicoil"], DatasetSpec("mni"), 0, tmp_path)
    physics = SCENARIOS["multicoil"].physics(SMOKE.img_size)
    physics.update(mask=data.test.params["mask"])
    model = get_method("zero-filled").make_model(None)
    assert torch.equal(model(data.test.y, physics), physics.A_adjoint(data.test.y))


def test_adjoint_mc_is_zero_for_consistent_reconstructions_and_matches_the_formula():
    physics = SCENARIOS["multicoil"].physics(16)
    mask = SCENARIOS["multicoil"].mask_generator(16, rng=torch.Generator().manual_seed(0)).step(2)["mask"]
    physics.update(mask=mask)
    x = torch.rand(2, 2, 16, 16)
    y = physics.A(x)
    loss = AdjointMCLoss()
    assert loss(y=y, x_net=x, physics=physics).item() == pytest.approx(0, abs=1e-10)
    x_net = torch.rand(2, 2, 16, 16, requires_grad=True)
    value = loss(y=y, x_net=x_net, physics=physics)
    direct = ((physics.A_adjoint(physics.A(x_net)) - physics.A_adjoint(y)) ** 2).mean()
    assert value.item() == pytest.approx(direct.item(), rel=1e-6)
    value.backward()
    assert x_net.grad is not None and x_net.grad.abs().sum() > 0


def test_a_new_method_file_appears_in_the_grid(tmp_path):
    """Adding one file to pipeline/methods/ is all it takes (checked on a copy of the package)."""
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "methods" / "my_loss.py").write_text(
        '"""My loss: MC in k-space, for the registry test."""\n'
        "from deepinv.loss import MCLoss\n"
        "from pipeline.methods import Method\n"
        "METHOD = Method(name='my-loss', title='Mine', summary='s', reference='r', url='https://x',\n"
        "                deepinv_classes=('deepinv.loss.MCLoss',), scenarios=('noisy',),\n"
        "                losses=lambda setup: [MCLoss()])\n"
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    listing = subprocess.run([sys.executable, "-m", "pipeline", "list", "--profile", "smoke"],
                             cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert any(line.split()[:2] == ["noisy", "my-loss"] for line in listing.stdout.splitlines())
    grid = subprocess.run([sys.executable, "-m", "pipeline", "grid", "--profile", "smoke"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "noisy/my-loss/seed0" in grid.stdout.split()
    assert "noisy/my-loss/seed0" not in run_cli("grid", "--profile", "smoke").stdout.split()


@pytest.mark.parametrize("name", ["ei", "robust-ei"])
def test_ei_rotations_are_ssibench_default_nearest_neighbour(name, tmp_path):
    """SSIBench builds ``EILoss(transform=Rotate())``: DeepInverse's default interpolation."""
    scenario = get_method(name).scenarios[0]
    spec = RunSpec(SMOKE, SCENARIOS[scenario], get_method(name), 0, DatasetSpec("mni"))
    setup = method_setup(spec, load_measurements(SMOKE, spec.scenario, spec.dataset, 0, tmp_path), torch.device("cpu"))
    (ei,) = [l for l in get_method(name).losses(setup) if isinstance(l, EILoss)]
    assert isinstance(ei.T, Rotate) and ei.T.interpolation_mode == InterpolationMode.NEAREST


# (method, its second term's class, whether the Trainer hands that term the split-input reconstruction)
SECOND_TERMS = [
    ("moc-ssdu", MOConsistencyLoss, True), ("moc-ssdu-full", MOConsistencyLoss, False),
    ("noise2recon-ssdu", AugmentConsistencyLoss, True), ("noise2recon-ssdu-full", AugmentConsistencyLoss, False),
]


@pytest.mark.parametrize("name, term, split", SECOND_TERMS)
def test_second_term_sees_what_ssibench_or_the_variant_says(name, term, split, tmp_path, monkeypatch):
    """DeepInverse #875, in a real training by deepinv's Trainer: the published methods' second
    term gets the split-input reconstruction and the splitting model (as in SSIBench); the
    variants' gets the full-measurement reconstruction and the bare network."""
    calls = []
    original = term.forward

    def spy(self, *args, **kwargs):
        model, x_net, y, physics = kwargs["model"], kwargs["x_net"], kwargs["y"], kwargs["physics"]
        with torch.no_grad():
            full = unwrap(model)(y, physics)
        calls.append((isinstance(model, SplittingLoss.SplittingModel), torch.allclose(x_net, full, atol=1e-6)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(term, "forward", spy)
    method = get_method(name)
    scenario = SCENARIOS[method.scenarios[0]]
    spec = RunSpec(SMOKE, scenario, method, 0, DatasetSpec("mni"))
    data = load_measurements(SMOKE, scenario, spec.dataset, 0, tmp_path)
    train(spec, build_model(SMOKE), scenario.physics(SMOKE.img_size), method_setup(spec, data, torch.device("cpu")),
          data.train, torch.device("cpu"), False)
    assert calls
    assert all(call == (split, not split) for call in calls), calls


def test_variants_are_labelled_and_sit_beside_a_method_of_the_paper():
    variants = [m for m in registry().values() if not m.in_paper]
    assert {"moc-ssdu-full", "noise2recon-ssdu-full"} <= {m.name for m in variants}
    for m in variants:
        parent = registry()[m.variant_of]
        assert parent.in_paper and m in variants_of(parent.name)
        assert m.departure.startswith("not in the paper")
        assert set(m.scenarios) <= set(parent.scenarios)
    assert all(m.in_paper for m in registry().values() if m.name in ("moc-ssdu", "noise2recon-ssdu"))
