r"""ENSURE: an unbiased estimate of the ensemble MSE from noisy, undersampled measurements.

.. math::

    \mathcal{L}(\theta) = \| W (A^\top y - A^\top A \hat{x}) \|^2
    + 2 \sigma^2 \, \mathrm{div}\big(A^\top A f_\theta\big)(A^\top y) - \text{const}

where :math:`W` weights k-space by the inverse sampling density estimated from the mask
generator, and the divergence is estimated by Monte Carlo (τ = 0.01). Assumes Gaussian noise
of known σ = 0.1 and random masks with a known distribution.

Random draws, as SSIBench (DeepInverse's ``ENSURELoss``): the mask generator only estimates the
weighting W, once; the Monte Carlo divergence probe is drawn anew at each step, from the method stream.
"""

from deepinv.loss.mri import ENSURELoss

from pipeline.methods import Method, Setup


def losses(setup: Setup):
    return [ENSURELoss(sigma=setup.scenario.noise_sigma, physics_generator=setup.physics_generator, rng=setup.rng)]


METHOD = Method(
    name="ensure",
    title="ENSURE",
    summary="Ensemble Stein's unbiased risk estimate: the expected MSE from noisy undersampled data.",
    reference="H. K. Aggarwal, A. Pramanik, M. Jacob, ENSURE: a general approach for unsupervised training of deep image reconstruction algorithms, IEEE TMI 2023",
    url="https://arxiv.org/abs/2010.10631",
    deepinv_classes=("deepinv.loss.mri.ENSURELoss", "deepinv.physics.generator.GaussianMaskGenerator"),
    scenarios=("noisy",),
    # no noise_baseline: its non-robust counterpart, MC, is not in the noisy grid (nor in the paper's)
    losses=losses,
)
