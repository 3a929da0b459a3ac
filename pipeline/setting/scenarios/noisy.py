"""Scenario 2 of SSIBench: as ``mri``, plus complex Gaussian noise (σ = 0.1) in k-space."""

from pipeline.setting.scenarios import Scenario

SCENARIO = Scenario("noisy", "Noisy single-coil",
                    "As mri, plus Gaussian noise (sigma 0.1) in k-space.", noise_sigma=0.1, order=2)
