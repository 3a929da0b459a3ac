r"""DDSSL: Recorrupted-to-Recorrupted denoising plus equivariance to noise.

.. math::

    \mathcal{L}(\theta) = \underbrace{\| y_2 - A f_\theta(y_1, A) \|^2}_{\text{R2R}}
    + \| T \hat{x} - f_\theta(A T \hat{x}, A) \|^2

R2R re-corrupts the noisy measurement into :math:`y_1 = y + \sqrt{\alpha/(1-\alpha)}\,\omega`,
:math:`\omega \sim \mathcal{N}(0, \sigma^2 I)`, and :math:`y_2 = (y - (1-\alpha) y_1)/\alpha`,
whose noises are independent, so the measurement loss is an unbiased estimate of the clean one
(α = 0.5, σ = 0.1). The second term is an EI loss whose "transform" :math:`T` adds Gaussian
noise (σ 0.1) to the image, re-measured without noise. At test time the R2R model averages several re-corruptions.
Assumes Gaussian noise of known σ. Configuration as benchmarked in SSIBench.

Random draws: R2R's re-corruption draws one noise per image at each step (and at evaluation),
from a stream of its own (DeepInverse's sampler alone uses torch's global state). The EI
term's noise is drawn as SSIBench's was: DeepInverse 0.5.0's ``RandomNoise`` copies its
generator into the noise model it builds at each call, and nothing else advances that
generator, so the same noise (per batch shape) is added at every step.
"""

from deepinv.loss import EILoss
from deepinv.physics import GaussianNoise
from deepinv.transform import RandomNoise

from pipeline.base import streams
from pipeline.methods import Method, Setup
from pipeline.setting.seeded import SeededR2RLoss

ALPHA = 0.5


def losses(setup: Setup):
    sigma = setup.scenario.noise_sigma
    return [
        SeededR2RLoss(noise_model=GaussianNoise(sigma=sigma, rng=setup.rng), alpha=ALPHA,
                      rng=setup.generator(streams.RECORRUPTION)),
        EILoss(RandomNoise(sigma=sigma, rng=setup.rng), apply_noise=False),
    ]


METHOD = Method(
    name="ddssl",
    title="DDSSL",
    summary="Recorrupted-to-Recorrupted denoising loss plus equivariance to added noise.",
    reference="As configured in A. Wang, S. McDonagh, M. Davies, Benchmarking self-supervised learning methods for accelerated MRI reconstruction, arXiv 2025",
    url="https://arxiv.org/abs/2502.14009",
    deepinv_classes=("deepinv.loss.R2RLoss", "deepinv.loss.EILoss", "deepinv.physics.GaussianNoise",
                     "deepinv.transform.RandomNoise"),
    scenarios=("noisy",),
    # its EI term is equivariance to noise; MO-EI is the paper's non-robust equivariant baseline
    noise_baseline="mo-ei",
    losses=losses,
    settings={"alpha": ALPHA},
)
