r"""Robust multi-operator equivariant imaging: SURE plus the MO-EI term.

.. math::

    \mathcal{L}(\theta) = \mathrm{SURE}_\sigma(\hat{x}, y)
    + \| T_g \hat{x} - f_\theta(A_s T_g \hat{x}, A_s) \|^2

SURE (Gaussian, σ = 0.1, τ = 0.01) replaces MC so the network does not fit the noise; the
MO-EI term uses CPAB diffeomorphisms and new operators from the mask generator. Assumes Gaussian
noise of known σ.

Random draws, as SSIBench (``MOEILoss``): one new mask and one diffeomorphism per batch; SURE's
Monte Carlo probe and the re-measurement noise come from the run's own streams.
"""

from deepinv.loss import SureGaussianLoss

from pipeline.methods import Method, Setup
from pipeline.methods.mo_ei import mo_ei_term


def losses(setup: Setup):
    return [SureGaussianLoss(sigma=setup.scenario.noise_sigma, rng=setup.rng), mo_ei_term(setup)]


METHOD = Method(
    name="robust-mo-ei",
    title="Robust MO-EI",
    summary="SURE (noise-robust MC) plus multi-operator equivariance to diffeomorphisms.",
    reference="A. Wang, S. McDonagh, M. Davies, Benchmarking self-supervised learning methods for accelerated MRI reconstruction, arXiv 2025",
    url="https://arxiv.org/abs/2502.14009",
    deepinv_classes=("deepinv.loss.SureGaussianLoss", "deepinv.loss.MOEILoss", "deepinv.transform.CPABDiffeomorphism"),
    scenarios=("noisy",),
    noise_baseline="mo-ei",
    losses=losses,
    settings={"transform": "CPABDiffeomorphism", "tau": 0.01},
)
