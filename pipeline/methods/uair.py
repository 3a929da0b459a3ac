r"""UAIR: unsupervised adversarial image reconstruction, with a new operator and a cycle term.

.. math::

    \min_\theta\; w_{adv}\big(D(\Phi(\hat{y})) - 1\big)^2
    + \| A_g f_\theta(\hat{y}, A_g) - \hat{y} \|^2,
    \qquad \hat{y} = A_g f_\theta(y, A)

    \min_D\; w_{adv}\Big[\big(D(\Phi(y)) - 1\big)^2 + D(\Phi(\hat{y}))^2\Big]

The re-measured reconstruction :math:`\hat{y}` must fool the discriminator (SkipConv, no
sigmoid; :math:`w_{adv}` = 0.5) and reconstructing it again must reproduce it. The
discriminator sees k-space in single-coil scenarios and the zero-filled image
:math:`\Phi = A^\top` with several coils, as in SSIBench. DeepInverse 0.5.0's
``UAIRGeneratorLoss`` calls the model without its physics and has no discriminator loss: both
are written in ``pipeline.losses.adversarial``.
"""

from pipeline.discriminator import skipconv_discriminator
from pipeline.losses.adversarial import MultiOperator, UAIRDiscriminatorLoss, UAIRGeneratorLoss
from pipeline.methods import Method, Setup


def multi_operator(setup: Setup) -> MultiOperator:
    domain = "adjoint" if setup.scenario.multicoil else "measurement"
    return MultiOperator(setup.physics_generator, setup.new_physics(), domain=domain)


def losses(setup: Setup):
    return [UAIRGeneratorLoss(multi_operator(setup), device=setup.device)]


def discriminator(setup: Setup):
    return (
        skipconv_discriminator(setup.img_size, setup.discriminator_width),
        [UAIRDiscriminatorLoss(multi_operator(setup), device=setup.device)],
    )


METHOD = Method(
    name="uair",
    title="UAIR",
    summary="Re-measured reconstructions must fool a discriminator and survive a reconstruction cycle.",
    reference="A. Pajot, E. de Bézenac, P. Gallinari, Unsupervised adversarial image reconstruction, ICLR 2019",
    url="https://openreview.net/forum?id=BJg4Z3RqF7",
    deepinv_classes=("deepinv.training.AdversarialTrainer", "deepinv.training.AdversarialOptimizer",
                     "deepinv.loss.adversarial.GeneratorLoss", "deepinv.loss.adversarial.DiscriminatorLoss"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    discriminator=discriminator,
    settings={"weight_adv": 0.5, "weight_cycle": 1.0, "discriminator": "SkipConv, 4 blocks, width from the profile"},
)
