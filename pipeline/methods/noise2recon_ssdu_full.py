r"""Noise2Recon-SSDU with its consistency term on the full measurement: corrects DeepInverse #875.

.. math::

    \mathcal{L}(\theta) = \mathcal{L}_{\text{weighted-SSDU}}
    + \| \hat{x} - f_\theta(y + \epsilon \odot M_A, A) \|^2, \qquad \hat{x} = f_\theta(y, A)

the loss as Noise2Recon defines it: the consistency term compares the reconstructions of the
*full* measurement with and without added noise (std in [0.05, 0.2]), with the unsplit
network. In SSIBench's runs (the published ``noise2recon-ssdu``) DeepInverse's Trainer handed
this term the split-input reconstruction and the splitting model instead (issue #875); here it
is wrapped in ``FullMeasurementLoss``, at the cost of one more forward pass per step. The two
terms differ in size, by a ratio that depends on the network (``benchmarks/issue875.py``: 0.05×
the published term on average over 200 quick-profile batches at initialisation). Not in the paper: compare it with ``noise2recon-ssdu`` to see what #875 changes.
"""

from dataclasses import replace

from pipeline.losses import FullMeasurementLoss
from pipeline.methods import Setup
from pipeline.methods.noise2recon_ssdu import METHOD as PUBLISHED, noise_consistency, weighted_ssdu


def losses(setup: Setup):
    return [weighted_ssdu(setup), FullMeasurementLoss(noise_consistency(setup))]


METHOD = replace(
    PUBLISHED,
    name="noise2recon-ssdu-full",
    title="Noise2Recon-SSDU, consistency on the full measurement",
    summary="Noise2Recon-SSDU with the noise-consistency term on full-measurement reconstructions, as Noise2Recon defines it.",
    losses=losses,
    noise_baseline=None,
    settings={**PUBLISHED.settings, "consistency_input": "full measurement"},
    variant_of="noise2recon-ssdu",
    departure="not in the paper: corrects DeepInverse #875 (the consistency term sees the full measurement)",
)
