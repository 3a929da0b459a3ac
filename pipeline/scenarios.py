"""The four SSIBench scenarios: physics + mask generator + noise (DESIGN.md §1).

A scenario only *describes* the acquisition; ``pipeline.measurements`` simulates it once per
(profile, scenario, dataset, seed) and caches the result so every method sees the same y.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from deepinv.physics import GaussianNoise
from deepinv.physics.generator import GaussianMaskGenerator

from pipeline.errors import choose
from pipeline.physics import MRI, MultiCoilMRI

ACCELERATION = 6


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

    @property
    def multicoil(self) -> bool:
        return self.coils > 1

    def as_config(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("title", "description")}

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


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("mri", "Noiseless single-coil",
                 "Single-coil MRI, a new random Gaussian mask (x6) per image, no noise."),
        Scenario("noisy", "Noisy single-coil",
                 "As mri, plus Gaussian noise (sigma 0.1) in k-space.", noise_sigma=0.1),
        Scenario("single", "Single-operator",
                 "As mri, but one fixed mask for every image.", fixed_mask=True),
        Scenario("multicoil", "Multi-coil",
                 "MultiCoilMRI with 4 simulated birdcage coil maps, a new mask per image.", coils=4),
    ]
}


def get_scenario(name: str) -> Scenario:
    return choose("scenario", name, SCENARIOS)
