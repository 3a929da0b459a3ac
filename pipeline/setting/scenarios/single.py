"""Scenario 3 of SSIBench: as ``mri``, but one fixed mask for every image (single operator).

Losses that draw new operators still draw them from the Gaussian x6 generator, as in SSIBench.
"""

from pipeline.setting.scenarios import Scenario

SCENARIO = Scenario("single", "Single-operator",
                    "As mri, but one fixed mask for every image.", fixed_mask=True, order=3)
