r"""Every loss term alive: each term of a method's loss must move the network's parameters.

A benchmark of losses must not let a profile-wide setting switch a loss term off. The classic
case: a network that ends on the projection :math:`\hat x = x_K + A^\dagger(y - A x_K)` gives
:math:`A\hat x = y` exactly in noiseless single-coil MRI, so MC, and the MC term inside EI, MOI
or MO-EI, is identically zero and no gradient ever reaches the weights.

The check trains a method with the pipeline's own training (``pipeline.run.training.train``: the
Trainer, its model adaptation, the adversarial game) for a few steps, and at the first step and
the last takes the parameter gradient of every term on its own: each loss of the method, and
each named part of a loss made of several (a loss that keeps ``terms``, a name → tensor dict,
after each call). Generator-side terms are differentiated with respect to the network,
discriminator-side terms with respect to the discriminator. A term is *dead* when its gradient's
norm is at most ``RTOL`` times a reference on the same batch and weights: the gradient of
:math:`\|\hat x - A^\top y\|^2` for the network, of :math:`D(A^\top y)^2` for a discriminator. A
dead term is then checked again with the network ending on the denoiser, to name the setting
that silences it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from deepinv.loss import Loss

from pipeline.setting.data import DatasetSpec
from pipeline.methods import Method
from pipeline.setting.profiles import Profile
from pipeline.run.training import EpochMeans, train
from pipeline.run.spec import RunSpec
from pipeline.run.setup import prepare
from pipeline.setting.scenarios import Scenario

RTOL = 1e-8  # dead: a gradient at most this fraction of the reference's (measured: dead terms 1e-12 to 1e-14,
# the smallest live one 2.6e-5, at smoke size; see README)
STEPS = 8  # training steps between the two checks


@dataclass
class TermGradient:
    """One term's parameter gradient at one step, beside the reference on the same batch."""

    scenario: str
    method: str
    term: str
    step: int
    norm: float
    reference: float

    @property
    def ratio(self) -> float:
        return self.norm / self.reference if self.reference > 0 else float("inf")

    @property
    def alive(self) -> bool:
        return self.ratio > RTOL


class Probed(EpochMeans):
    """A loss that, at the probed calls (one call per training step), records the gradient of
    each of its terms with respect to one side's parameters (``"model"`` or ``"D"``)."""

    def __init__(self, loss: Loss, side: str, steps: set[int], found: list[tuple[int, str, float, float]]):
        super().__init__(loss)
        self.side, self.steps, self.found, self.calls = side, steps, found, 0

    def forward(self, *args, **kwargs):
        value = super().forward(*args, **kwargs)
        if self.calls in self.steps:
            self.probe(value, kwargs)
        self.calls += 1
        return value

    def probe(self, value: torch.Tensor, kwargs: dict) -> None:
        network = kwargs["model"] if self.side == "model" else kwargs["D"]
        params = [p for p in network.parameters() if p.requires_grad]
        y, physics = kwargs["y"], kwargs["physics"]
        zero_filled = physics.A_adjoint(y).detach()
        if self.side == "model":
            reference = (kwargs["x_net"] - zero_filled).abs().pow(2).mean()
        else:
            reference = network(zero_filled).pow(2).mean()
        scale = gradient_norm(reference, params)
        name = type(self.loss).__name__
        terms = getattr(self.loss, "terms", None) or {name: value}
        for term, tensor in terms.items():
            label = name if term == name else f"{name}: {term}"
            self.found.append((self.calls, label, gradient_norm(tensor.mean(), params), scale))


def gradient_norm(value: torch.Tensor, params: list[torch.nn.Parameter]) -> float:
    """The norm of ``value``'s gradient with respect to ``params`` (0 where it does not depend on them)."""
    if not value.requires_grad:
        return 0.0
    grads = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
    return float(torch.sqrt(sum(((g.detach().double() ** 2).sum() for g in grads if g is not None),
                                torch.zeros((), dtype=torch.float64))))


def probed_method(method: Method, steps: set[int], found: list) -> Method:
    """The method with every loss, its discriminator's included, wrapped in ``Probed``."""
    wrapped = replace(method, losses=lambda setup: [Probed(l, "model", steps, found) for l in method.losses(setup)])
    if method.discriminator is None:
        return wrapped

    def discriminator(setup):
        d, losses = method.discriminator(setup)
        return d, [Probed(l, "D", steps, found) for l in losses]

    return replace(wrapped, discriminator=discriminator)


def term_gradients(profile: Profile, scenario: Scenario, method: Method, cache_dir: Path, steps: int = STEPS,
                   dataset: DatasetSpec = DatasetSpec("mni"), seed: int = 0) -> list[TermGradient]:
    """Every term's gradient at the first training step and after ``steps`` more, on the CPU."""
    if method.losses is None:
        return []
    device = torch.device("cpu")
    found: list[tuple[int, str, float, float]] = []
    short = replace(profile, epochs=1, steps_per_epoch=steps + 1, curve_points=0)
    spec = RunSpec(short, scenario, probed_method(method, {0, steps}, found), seed, dataset)
    parts = prepare(spec, cache_dir, device)
    train(spec, parts.model, parts.physics, parts.setup, parts.data.train, device, progress=False)
    return [TermGradient(scenario.name, method.name, term, step, norm, ref) for step, term, norm, ref in found]


@dataclass
class DeadTerm:
    """A term with no gradient at some checked steps, and whether ending the network on the
    denoiser revives it."""

    profile: str
    gradients: list[TermGradient]  # the dead ones, one per checked step
    final_step: str
    revived: bool | None = None  # None: the network already ends on the denoiser

    def line(self) -> str:
        g = self.gradients[0]
        steps = " and ".join(str(d.step) for d in self.gradients)
        worst = max(d.ratio for d in self.gradients)
        where = f"{g.term} of method '{g.method}' in scenario '{g.scenario}' of profile '{self.profile}'"
        said = (f"gives no parameter gradient at step{'s' if len(self.gradients) > 1 else ''} {steps} (at most {worst:.1e} of the reference; "
                f"the threshold is {RTOL:.0e})")
        if self.revived:
            cause = (f"the final step '{self.final_step}' silences it (alive when the network ends on the denoiser): "
                     "choose another final step for this profile")
        elif self.revived is False:
            cause = f"not the final step '{self.final_step}' (dead with the denoiser too): not yet explained"
        else:
            cause = "the network ends on the denoiser: not yet explained"
        return f"dead term: {where} {said}; {cause}"


@dataclass
class Check:
    """The live-terms check of a profile's grid: every term's gradients, and the dead ones explained."""

    profile: Profile
    gradients: list[TermGradient] = field(default_factory=list)
    dead: list[DeadTerm] = field(default_factory=list)


def check(profile: Profile, grid: list[tuple[Scenario, Method]], cache_dir: Path, steps: int = STEPS,
          dataset: DatasetSpec = DatasetSpec("mni"), progress=None) -> Check:
    """Check every (scenario, method) of ``grid``; a dead term is checked again with the denoiser."""
    result = Check(profile)
    for scenario, method in grid:
        if progress is not None:
            progress(scenario, method)
        gradients = term_gradients(profile, scenario, method, cache_dir, steps, dataset)
        result.gradients += gradients
        dead = [g for g in gradients if not g.alive]
        if not dead:
            continue
        revived: dict[str, bool] = {}
        if profile.final_step != "denoiser":
            again = term_gradients(replace(profile, final_step="denoiser"), scenario, method, cache_dir, steps, dataset)
            revived = {term: all(g.alive for g in again if g.term == term) for term in {g.term for g in again}}
        for term in dict.fromkeys(g.term for g in dead):
            result.dead.append(DeadTerm(profile.name, [g for g in dead if g.term == term], profile.final_step, revived.get(term)))
    return result


def table(result: Check) -> str:
    """A Markdown table: each term's gradient relative to the reference, at the first and last checked step."""
    rows: dict[tuple[str, str, str], dict[int, TermGradient]] = {}
    for g in result.gradients:
        rows.setdefault((g.scenario, g.method, g.term), {})[g.step] = g
    steps = sorted({g.step for g in result.gradients})
    head = "| scenario | method | term | " + " | ".join(f"step {s}: gradient / reference" for s in steps) + " | alive |"
    lines = [head, "| --- " * (4 + len(steps)) + "|"]
    for (scenario, method, term), by_step in rows.items():
        cells = [f"{by_step[s].ratio:.1e}" if s in by_step else "" for s in steps]
        alive = "yes" if all(g.alive for g in by_step.values()) else "**no**"
        lines.append(f"| {scenario} | {method} | {term} | " + " | ".join(cells) + f" | {alive} |")
    return "\n".join(lines)
