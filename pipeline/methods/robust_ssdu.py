r"""Robust SSDU: weighted SSDU made robust to measurement noise (Noisier2Noise for noise).

The input is made noisier, :math:`\tilde{y} = y + \tilde{n}` with :math:`\tilde{n}` of the
same std as the measurement noise (σ = 0.1), then split as in weighted SSDU. The network
:math:`f_\theta(M\tilde{y}, MA)` is trained against :math:`y` with the weighted splitting loss,
and at test time the noise is removed by extrapolation:
:math:`\hat{x} = \big((1 + \alpha^2) f_\theta(y) - f_\theta(\tilde{y})\big) / \alpha^2`, α = 0.75.
Assumes Gaussian noise of known σ and random masks with a known distribution.

Random draws, as SSIBench (DeepInverse's ``RobustSplittingLoss``): one split mask and one added
noise per image at each step; the mask generator only estimates the weighting, once.
"""

from deepinv.loss.mri import RobustSplittingLoss
from deepinv.physics import GaussianNoise

from pipeline.methods import Method, Setup
from pipeline.methods.weighted_ssdu import split_generator

ALPHA = 0.75


def losses(setup: Setup):
    noise = GaussianNoise(sigma=setup.scenario.noise_sigma, rng=setup.rng)
    return [RobustSplittingLoss(split_generator(setup), setup.physics_generator, noise, alpha=ALPHA)]


METHOD = Method(
    name="robust-ssdu",
    title="Robust SSDU",
    summary="Weighted SSDU on noisier inputs, with noise removed by extrapolation at test time.",
    reference="C. Millard, M. Chiew, Clean self-supervised MRI reconstruction from noisy, sub-sampled training data with Robust SSDU, Bioengineering 2024",
    url="https://arxiv.org/abs/2210.01696",
    deepinv_classes=("deepinv.loss.mri.RobustSplittingLoss", "deepinv.physics.GaussianNoise",
                     "deepinv.physics.generator.MultiplicativeSplittingMaskGenerator"),
    scenarios=("noisy",),
    noise_baseline="weighted-ssdu",
    losses=losses,
    settings={"alpha": ALPHA, "split_acceleration": 2},
)
