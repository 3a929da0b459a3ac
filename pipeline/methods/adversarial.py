r"""Multi-operator unsupervised adversarial learning (Cole et al.), least-squares GAN.

.. math::

    \min_\theta \big(D(\Phi(A_g \hat{x})) - 1\big)^2, \qquad
    \min_D \big(D(\Phi(y')) - 1\big)^2 + D(\Phi(A_g \hat{x}))^2,
    \qquad \hat{x} = f_\theta(y, A)

The reconstruction is re-measured with a new random mask :math:`A_g` and a discriminator
:math:`D` (SkipConv, no sigmoid) learns to tell it from real measurements :math:`y'` of other
images (an unpaired stream seeded 42); both are compared in the zero-filled image domain
:math:`\Phi = A^\top` (with a fully sampled operator). Generator and discriminator are trained
together with Adam by DeepInverse's ``AdversarialTrainer``. Assumes the measurement
distribution seen through random masks identifies the image distribution.
"""

from pipeline.discriminator import skipconv_discriminator
from pipeline.losses.adversarial import (
    MOAdversarialDiscriminatorLoss, MOAdversarialGeneratorLoss, MultiOperator, UnpairedMeasurements,
)
from pipeline.methods import Method, Setup

DOMAIN = "adjoint"
UNPAIRED_SEED = 42


def multi_operator(setup: Setup) -> MultiOperator:
    return MultiOperator(setup.physics_generator, setup.new_physics(), domain=DOMAIN)


def losses(setup: Setup):
    return [MOAdversarialGeneratorLoss(multi_operator(setup), device=setup.device)]


def discriminator(setup: Setup):
    unpaired = UnpairedMeasurements(setup.unpaired, setup.batch_size, seed=UNPAIRED_SEED)
    return (
        skipconv_discriminator(setup.img_size, setup.discriminator_width),
        [MOAdversarialDiscriminatorLoss(multi_operator(setup), unpaired, device=setup.device)],
    )


METHOD = Method(
    name="adversarial",
    title="Adversarial (multi-operator)",
    summary="A discriminator tells re-measured reconstructions from real measurements of other images.",
    reference="E. K. Cole et al., Fast unsupervised MRI reconstruction without fully-sampled ground truth data using generative adversarial networks, ICCV Workshops 2021",
    url="https://arxiv.org/abs/2008.13065",
    deepinv_classes=("deepinv.training.AdversarialTrainer", "deepinv.training.AdversarialOptimizer",
                     "deepinv.loss.adversarial.GeneratorLoss", "deepinv.loss.adversarial.DiscriminatorLoss"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    discriminator=discriminator,
    settings={"domain": DOMAIN, "unpaired_seed": UNPAIRED_SEED, "discriminator": "SkipConv, 4 blocks, width from the profile"},
)
