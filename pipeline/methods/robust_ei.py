r"""Robust equivariant imaging: SURE instead of MC, plus EI with rotations.

.. math::

    \mathcal{L}(\theta) = \underbrace{\| y - A\hat{x} \|^2 - m\sigma^2
    + 2\sigma^2 \,\mathrm{div}(A f_\theta)(y)}_{\text{SURE}}
    + \| T_g \hat{x} - f_\theta(A T_g \hat{x}, A) \|^2

SURE is an unbiased estimate of the measurement-domain MSE under Gaussian noise of known σ
(divergence by Monte Carlo, τ = 0.01), so the network is not rewarded for fitting the noise;
the EI term fills the null space (random rotations over 360°, nearest-neighbour as in
SSIBench). Assumes Gaussian noise of known σ = 0.1 and rotation
invariance of the images.
"""

from deepinv.loss import EILoss, SureGaussianLoss
from deepinv.transform import Rotate

from pipeline.methods import Method, Setup


def losses(setup: Setup):
    # SSIBench: Rotate(), nearest-neighbour in its deepinv and in 0.5.0 (explicit: the default may change)
    rotate = Rotate(interpolation_mode="nearest", rng=setup.rng)
    return [SureGaussianLoss(sigma=setup.scenario.noise_sigma, rng=setup.rng), EILoss(transform=rotate)]


METHOD = Method(
    name="robust-ei",
    title="Robust EI",
    summary="SURE (noise-robust MC) plus equivariance to rotations.",
    reference="D. Chen, J. Tachella, M. Davies, Robust equivariant imaging: a fully unsupervised framework for learning to image from noisy and partial measurements, CVPR 2022",
    url="https://arxiv.org/abs/2111.12855",
    deepinv_classes=("deepinv.loss.SureGaussianLoss", "deepinv.loss.EILoss", "deepinv.transform.Rotate"),
    scenarios=("noisy",),
    # plain EI is not in the noisy grid; MO-EI is the paper's non-robust equivariant baseline
    noise_baseline="mo-ei",
    losses=losses,
    settings={"transform": "Rotate", "interpolation": "nearest", "tau": 0.01},
)
