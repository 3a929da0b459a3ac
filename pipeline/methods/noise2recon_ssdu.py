r"""Noise2Recon-SSDU: weighted SSDU plus consistency under added noise, as SSIBench ran it.

.. math::

    \mathcal{L}(\theta) = \mathcal{L}_{\text{weighted-SSDU}}
    + \| \hat{x}_M - f_\theta\big(M'(y + \epsilon), M' A\big) \|^2,
    \qquad \hat{x}_M = f_\theta(M y, M A)

with :math:`\epsilon` complex Gaussian noise of std drawn in [0.5σ, 2σ] = [0.05, 0.2] on the
sampled locations, gradients through both branches, :math:`M` the weighted-SSDU split and
:math:`M'` a fresh one. This is what SSIBench's script optimises: DeepInverse's Trainer hands
the consistency term the split-input reconstruction and the splitting model (DeepInverse
issue #875). Noise2Recon's own definition compares reconstructions of the full measurement:
that is the labelled variant ``noise2recon-ssdu-full``. Assumes Gaussian noise of roughly
known σ.

Random draws, as SSIBench: one split per image (weighted SSDU) and one noise level per batch
(``RandomNoise`` over [0.5σ, 2σ]) at each step; the mask generator only estimates the weighting, once.
"""

from deepinv.loss import AugmentConsistencyLoss
from deepinv.loss.mri import WeightedSplittingLoss
from deepinv.transform import Identity, RandomNoise

from pipeline.methods import Method, Setup
from pipeline.methods.weighted_ssdu import split_generator


def weighted_ssdu(setup: Setup) -> WeightedSplittingLoss:
    return WeightedSplittingLoss(mask_generator=split_generator(setup), physics_generator=setup.physics_generator)


def noise_consistency(setup: Setup) -> AugmentConsistencyLoss:
    """Reconstructions with and without added noise of std in [0.5σ, 2σ] must agree."""
    sigma = setup.scenario.noise_sigma
    noise = RandomNoise(sigma=(0.5 * sigma, 2 * sigma), rng=setup.rng)
    return AugmentConsistencyLoss(noise, Identity(), no_grad=False, rng=setup.rng)


def losses(setup: Setup):
    return [weighted_ssdu(setup), noise_consistency(setup)]


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
    settings={"noise_sigma_range": [0.05, 0.2], "consistency_input": "split (as SSIBench, DeepInverse #875)"},
)
