"""Scenario 4 of SSIBench: multi-coil MRI with 4 simulated birdcage coil maps, a new mask per image."""

from pipeline.setting.scenarios import Scenario

SCENARIO = Scenario("multicoil", "Multi-coil",
                    "MultiCoilMRI with 4 simulated birdcage coil maps, a new mask per image.", coils=4,
                    order=4)
