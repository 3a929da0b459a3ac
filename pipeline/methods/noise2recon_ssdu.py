r"""Noise2Recon-SSDU: weighted SSDU plus consistency under added noise.

.. math::

    \mathcal{L}(\theta) = \mathcal{L}_{\text{weighted-SSDU}}
    + \| \hat{x} - f_\theta(y + \epsilon \odot M_A, A) \|^2, \qquad \hat{x} = f_\theta(y, A)

with :math:`\epsilon` complex Gaussian noise of std drawn in [0.5σ, 2σ] = [0.05, 0.2] on the
sampled locations, and gradients through both branches. The consistency term makes the network
robust to the noise level; it reconstructs the *full* measurement (wrapped in
``FullMeasurementLoss``, since the Trainer would otherwise hand it the split-input
reconstruction, DeepInverse issue #875). Assumes Gaussian noise of roughly known σ.
"""

from deepinv.loss import AugmentConsistencyLoss
from deepinv.loss.mri import WeightedSplittingLoss
from deepinv.transform import Identity, RandomNoise

from pipeline.losses import FullMeasurementLoss
from pipeline.methods import Method, Setup
from pipeline.methods.weighted_ssdu import split_generator


def losses(setup: Setup):
    sigma = setup.scenario.noise_sigma
    noise = RandomNoise(sigma=(0.5 * sigma, 2 * sigma), rng=setup.rng)
    return [
        WeightedSplittingLoss(mask_generator=split_generator(setup), physics_generator=setup.physics_generator),
        FullMeasurementLoss(AugmentConsistencyLoss(noise, Identity(), no_grad=False, rng=setup.rng)),
    ]


METHOD = Method(
    name="noise2recon-ssdu",
    title="Noise2Recon-SSDU",
    summary="Weighted SSDU plus consistency of the reconstruction when noise is added to the k-space.",
    reference="A. D. Desai et al., Noise2Recon: enabling SNR-robust MRI reconstruction with semi-supervised and self-supervised learning, MRM 2023",
    url="https://arxiv.org/abs/2110.00075",
    deepinv_classes=("deepinv.loss.mri.WeightedSplittingLoss", "deepinv.loss.AugmentConsistencyLoss",
                     "deepinv.transform.RandomNoise", "deepinv.transform.Identity"),
    scenarios=("noisy",),
    noise_baseline="weighted-ssdu",
    losses=losses,
    settings={"noise_sigma_range": [0.05, 0.2], "consistency_on_full_measurement": True},
)
