"""Scenario 1 of SSIBench: noiseless single-coil MRI, a new random Gaussian mask (x6) per image."""

from pipeline.setting.scenarios import Scenario

SCENARIO = Scenario("mri", "Noiseless single-coil",
                    "Single-coil MRI, a new random Gaussian mask (x6) per image, no noise.", order=1)
