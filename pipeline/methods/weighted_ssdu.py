r"""Weighted SSDU: measurement splitting with a variable-density split and a k-space weighting.

The split mask :math:`M` is drawn from a Gaussian variable-density distribution (acceleration
2, no fixed centre) and multiplied with the acquisition mask. The loss is weighted in k-space
by :math:`W = (I - \tilde{K})^{-1/2}`, with :math:`\tilde{K} = \mathbb{E}[M \mid M_A]` estimated
from the acquisition mask generator, which makes it an unbiased estimate of the supervised
k-space loss (Noisier2Noise):

.. math::

    \mathcal{L}(\theta) = \| W (I - M) \big(y - A f_\theta(M y, M A)\big) \|^2

Assumes the acquisition masks are random with a known distribution. Evaluated on the full
measurement. In the noisy scenario it is the non-robust baseline of robust SSDU.

Random draws, as SSIBench (DeepInverse's ``WeightedSplittingLoss``): one split mask per image
at each step; the mask generator is used once, to estimate the weighting W, never per step.
"""

from deepinv.loss.mri import WeightedSplittingLoss
from deepinv.physics.generator import GaussianMaskGenerator, MultiplicativeSplittingMaskGenerator

from pipeline.methods import Method, Setup

SPLIT_ACCELERATION = 2


def split_generator(setup: Setup) -> MultiplicativeSplittingMaskGenerator:
    """Gaussian x2 split masks (no fixed centre), multiplied with the acquisition mask."""
    shape = (1, setup.img_size, setup.img_size)
    gaussian = GaussianMaskGenerator(shape, acceleration=SPLIT_ACCELERATION, center_fraction=0.0,
                                     rng=setup.rng, device=setup.device)
    return MultiplicativeSplittingMaskGenerator(shape, gaussian, device=setup.device)


def losses(setup: Setup):
    return [WeightedSplittingLoss(mask_generator=split_generator(setup), physics_generator=setup.physics_generator)]


METHOD = Method(
    name="weighted-ssdu",
    title="Weighted SSDU",
    summary="SSDU with variable-density splits and the k-space weighting that makes it unbiased.",
    reference="C. Millard, M. Chiew, A theoretical framework for self-supervised MR image reconstruction using sub-sampling via variable density Noisier2Noise, IEEE TCI 2023",
    url="https://arxiv.org/abs/2205.10278",
    deepinv_classes=("deepinv.loss.mri.WeightedSplittingLoss", "deepinv.physics.generator.MultiplicativeSplittingMaskGenerator",
                     "deepinv.physics.generator.GaussianMaskGenerator"),
    scenarios=("mri", "noisy", "single", "multicoil"),
    losses=losses,
    settings={"split_acceleration": SPLIT_ACCELERATION, "split_center_fraction": 0.0},
)
