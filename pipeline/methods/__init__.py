"""The methods registry: one file per method in this folder, discovered by name.

A method file defines ``METHOD = Method(...)``, named by the rule of ``pipeline.base.names``: its
losses (built from a ``Setup``), the scenarios it applies to and its metadata. Its module
docstring states the loss in maths; the site shows it. Adding a file is all it takes for the
method to appear in ``python -m pipeline list``, the Makefile grid, the result tables and the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Callable

import torch
from deepinv.loss import Loss
from deepinv.models import Reconstructor
from deepinv.physics import Physics
from deepinv.physics.generator import PhysicsGenerator
from torch.utils.data import Dataset

from pipeline.base import streams
from pipeline.base.discovery import discover
from pipeline.base.errors import UsageError, choose
from pipeline.setting.scenarios import SCENARIOS, Scenario


@dataclass(frozen=True)
class Setup:
    """What a method may use to build its losses. It holds no ground truth, by design."""

    scenario: Scenario
    img_size: int
    device: torch.device
    seed: int  # the run seed: every random stream below derives from it (``pipeline.base.streams``)
    physics_generator: PhysicsGenerator  # the scenario's mask generator on the loss-operators stream
    rng: torch.Generator  # the method's own random draws (splits, transforms, added noise)
    unpaired: Dataset | None = None  # training measurements without x (adversarial "real" data)
    batch_size: int = 4
    discriminator_width: int = 128  # the profile's SkipConv width (adversarial methods)
    # the generators handed out by ``generator()``: a learning curve restores them after each point
    handed_out: list[torch.Generator] = field(default_factory=list, compare=False)

    def new_physics(self) -> Physics:
        """A fresh operator of the scenario, for a loss that needs one of its own (no clone per step)."""
        return self.scenario.physics(self.img_size, device=self.device)

    def generator(self, purpose: str, device: torch.device | str | None = None) -> torch.Generator:
        """A fresh generator on ``purpose``'s stream of this run: two calls replay the same draws.
        On the run's device, unless ``device`` says otherwise: a ``DataLoader``'s sampler draws
        on the CPU, whatever the device the batches go to."""
        generator = streams.generator(self.seed, purpose, self.device if device is None else device)
        self.handed_out.append(generator)
        return generator

    def generators(self) -> list[torch.Generator]:
        """Every generator a method's losses may draw from (those handed out so far included)."""
        return [self.rng, self.physics_generator.rng, *self.handed_out]

    def mask_generator(self, purpose: str) -> PhysicsGenerator:
        """A fresh mask generator of the scenario on ``purpose``'s stream of this run."""
        return self.scenario.mask_generator(self.img_size, self.device, self.generator(purpose))


@dataclass(frozen=True)
class Method:
    name: str
    title: str
    summary: str  # one line
    reference: str  # authors, year, venue
    url: str
    deepinv_classes: tuple[str, ...]
    scenarios: tuple[str, ...]
    # None: no training (the model is evaluated as built)
    losses: Callable[[Setup], list[Loss]] | None
    uses_ground_truth: bool = False  # only the supervised upper bound may
    settings: dict = field(default_factory=dict)  # hyper-parameters, recorded in each run's config
    # None: the profile's MoDL; otherwise a model of the method's own (e.g. zero-filled A^H y)
    make_model: Callable[[Setup], Reconstructor] | None = None
    # adversarial methods: (discriminator, its losses), trained by deepinv's AdversarialTrainer
    discriminator: Callable[[Setup], tuple[torch.nn.Module, list[Loss]]] | None = None
    # a noise-robust loss: the non-robust method of the noisy grid it should beat (the findings check it)
    noise_baseline: str | None = None
    # a departure from the paper's method, shown beside it and never in the headline leaderboard:
    # the published method it varies, and one line on what differs and why
    variant_of: str | None = None
    departure: str = ""
    doc: str = ""  # the maths: the method module's docstring, filled in by discovery
    source: str = ""  # the method file, relative to the package

    def applies_to(self, scenario: str) -> bool:
        """Named by the method, or a new scenario whose method group (a paper scenario) it names."""
        known = SCENARIOS.get(scenario)
        return scenario in self.scenarios or (known is not None and known.method_group in self.scenarios)

    @property
    def adversarial(self) -> bool:
        return self.discriminator is not None

    @property
    def in_paper(self) -> bool:
        """Measured by SSIBench as registered (variants are not)."""
        return self.variant_of is None


@cache
def registry() -> dict[str, Method]:
    """Every method file in this package, by method name, in name order."""
    found: dict[str, Method] = {}
    for method, module in discover(__name__, __path__, "METHOD", Method):
        unknown = set(method.scenarios) - set(SCENARIOS)
        if unknown:
            raise UsageError(f"method '{method.name}' names unknown scenarios {sorted(unknown)}")
        found[method.name] = replace(
            method, doc=(module.__doc__ or "").strip(), source=f"pipeline/methods/{Path(module.__file__).name}"
        )
    for method in found.values():
        check_variant(method, found)
        if method.noise_baseline and "noisy" not in found.get(method.noise_baseline, method).scenarios:
            raise UsageError(f"method '{method.name}': noise_baseline '{method.noise_baseline}' "
                             "must name a method of the noisy scenario")
    return dict(sorted(found.items()))


def check_variant(method: Method, found: dict[str, Method]) -> None:
    """A variant names a registered method of the paper, says how it departs, and runs where it does."""
    if method.variant_of is None:
        if method.departure:
            raise UsageError(f"method '{method.name}': a departure is only for variants (set variant_of)")
        return
    parent = found.get(method.variant_of)
    if parent is None or not parent.in_paper:
        raise UsageError(f"method '{method.name}': variant_of '{method.variant_of}' must name a method of the paper")
    if not method.departure:
        raise UsageError(f"method '{method.name}': a variant must say how it departs from '{parent.name}' (departure=...)")
    if not set(method.scenarios) <= set(parent.scenarios):
        raise UsageError(f"method '{method.name}': a variant runs only in its parent's scenarios {parent.scenarios}")


def variants_of(name: str) -> list[Method]:
    """The registered variants of a method, in name order."""
    return [m for m in registry().values() if m.variant_of == name]


def get_method(name: str, scenario: str | None = None) -> Method:
    method = choose("method", name, registry(), hint=" (see `python -m pipeline list`)")
    if scenario is not None and not method.applies_to(scenario):
        raise UsageError(
            f"method '{name}' does not apply to scenario '{scenario}'; it applies to: {', '.join(method.scenarios)}"
        )
    return method
