"""The scenarios registry: one file per scenario in this folder, discovered by name.

A scenario describes an acquisition (physics, masks, noise) that every method of the grid is
trained and tested under. A scenario file defines ``SCENARIO = Scenario(...)`` (or an instance
of a ``Scenario`` subclass, e.g. with another mask generator), named by the rule of
``pipeline.base.names``; adding the file is all it takes for it to appear in ``python -m pipeline
list``, the Makefile grid, the result tables and the site. Its measurements are simulated once
per (profile, scenario, dataset, seed) by ``pipeline.setting.measurements`` and cached, so every method
sees the same y. The four SSIBench scenarios are ``mri``, ``noisy``, ``single`` and ``multicoil``
(DESIGN.md §1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from deepinv.physics.generator import GaussianMaskGenerator

from pipeline.base.discovery import discover
from pipeline.base.errors import choose
from pipeline.setting.physics import MRI, GaussianNoise, MultiCoilMRI

ACCELERATION = 6
# the multi-coil data step's gradient (single-coil has closed forms): a new value, new hashes. Runs
# with the first value were made while the splitting losses' composed operators still used
# DeepInverse's implicit backward.
DATA_STEP_GRADIENT = "autograd through the CG iterations, every operator"
NOT_CONFIG = ("title", "description", "order", "methods_like")  # not part of a run's config


@dataclass(frozen=True)
class Scenario:
    """An MRI acquisition: Cartesian Gaussian masks at acceleration 6, with options."""

    name: str
    title: str
    description: str
    noise_sigma: float = 0.0  # std of complex Gaussian noise added in k-space
    fixed_mask: bool = False  # one mask for every image (single-operator)
    coils: int = 1  # > 1: MultiCoilMRI with simulated birdcage coil maps
    acceleration: int = ACCELERATION
    order: int = 100  # position in tables: the paper's four come first, new ones after, by name
    # which paper scenario's methods a new scenario runs (default: noisy's if noisy, else mri's)
    methods_like: str | None = None

    @property
    def multicoil(self) -> bool:
        return self.coils > 1

    @property
    def method_group(self) -> str:
        """The paper scenario whose methods apply here (methods name the paper's scenarios)."""
        return self.methods_like or ("noisy" if self.noise_sigma > 0 else "mri")

    def as_config(self) -> dict:
        config = {k: v for k, v in asdict(self).items() if k not in NOT_CONFIG}
        if self.multicoil:  # how MoDL differentiates its CG data step (pipeline.setting.model.autograd_data_steps)
            config["data_step_gradient"] = DATA_STEP_GRADIENT
        return config

    def physics(self, img_size: int, device: torch.device | str = "cpu", rng: torch.Generator | None = None):
        """The forward operator A (mask set per batch through ``physics.update(mask=...)``)."""
        size = (img_size, img_size)
        if self.multicoil:
            physics = MultiCoilMRI(img_size=size, coil_maps=self.coils, device=device)
        else:
            physics = MRI(img_size=size, device=device)
        if self.noise_sigma > 0:
            physics.noise_model = GaussianNoise(self.noise_sigma, rng=rng)
        return physics

    def mask_generator(self, img_size: int, device: torch.device | str = "cpu", rng: torch.Generator | None = None):
        """The acquisition mask generator; multi-operator losses draw new operators from it."""
        return GaussianMaskGenerator(
            img_size=(img_size, img_size), acceleration=self.acceleration, rng=rng, device=device
        )


def scenario_files() -> dict[str, Scenario]:
    """Every scenario file of this package, by name, in table order."""
    found = {scenario.name: scenario for scenario, _ in discover(__name__, __path__, "SCENARIO", Scenario)}
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


SCENARIOS: dict[str, Scenario] = scenario_files()


def get_scenario(name: str) -> Scenario:
    return choose("scenario", name, SCENARIOS)
