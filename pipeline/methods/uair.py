r"""UAIR: unsupervised adversarial image reconstruction, with a new operator and a cycle term.

.. math::

    \min_\theta\; 0.5\,\big(D(\Phi(\hat{y})) - 1\big)^2
    + \| \Phi(A_g f_\theta(\hat{y}, A_g)) - \Phi(\hat{y}) \|^2,
    \qquad \hat{y} = A_g f_\theta(y, A)

    \min_D\; \big(D(\Phi(y)) - 1\big)^2 + D(\Phi(\hat{y}))^2

The re-measured reconstruction :math:`\hat{y}` must fool the discriminator (SkipConv, no
sigmoid) and reconstructing it again must reproduce it. Both the discriminator and the cycle
term work in k-space in single-coil scenarios (:math:`\Phi = I`) and on the zero-filled image
:math:`\Phi = A^\top` with several coils, as in SSIBench; the adversarial weight is 0.5 for the
generator and 1 for the discriminator, SSIBench's. The generator and discriminator losses each
own a mask generator, seeded alike, so both draw the same :math:`A_g` at every step.
DeepInverse 0.5.0's ``UAIRGeneratorLoss`` calls the model without its physics and has no
discriminator loss: both are written in ``pipeline.losses.adversarial``.

Departs from SSIBench only in its seeds: SSIBench seeds the masks with 42 in every run; here
they derive from the run seed, on a stream of their own.

Random draws, as the reference (DeepInverse PR #409): one new mask per image at each step, the
same masks on the generator and discriminator sides.

Collapse measured on the retired ``standard`` profile (its network ended on the projection
x + A†(y − Ax)), ``mri`` seed 1, by training the run again to step 576 with its weights kept: the
last ReLU of the UNet's last decoder block (``Up_conv2``) was zero on 99.8 % of the pixels of the
test images, so the UNet added little but a constant image to its input; the network's output
held 1.3e-7 of its energy outside the measured samples, the projection wrote the measured ones
back, and the test PSNR stayed at 19.82 dB, 0.005 at most from zero-filled per pixel, while the
discriminator's loss fell to 0.03.
"""

from pipeline.base import streams
from pipeline.setting.discriminator import skipconv_discriminator
from pipeline.losses.adversarial import MultiOperator, UAIRDiscriminatorLoss, UAIRGeneratorLoss
from pipeline.methods import Method, Setup

WEIGHT_ADV_G, WEIGHT_ADV_D, WEIGHT_CYCLE = 0.5, 1.0, 1.0


def multi_operator(setup: Setup) -> MultiOperator:
    """New operators for one side of the game: each side owns a generator, both on one stream."""
    domain = "adjoint" if setup.scenario.multicoil else "measurement"
    return MultiOperator(setup.mask_generator(streams.ADVERSARIAL_OPERATORS), setup.new_physics(), domain=domain)


def losses(setup: Setup):
    return [UAIRGeneratorLoss(multi_operator(setup), weight_adv=WEIGHT_ADV_G, weight_mc=WEIGHT_CYCLE, device=setup.device)]


def discriminator(setup: Setup):
    return (
        skipconv_discriminator(setup.img_size, setup.discriminator_width),
        [UAIRDiscriminatorLoss(multi_operator(setup), weight_adv=WEIGHT_ADV_D, device=setup.device)],
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
    settings={"weight_adv_generator": WEIGHT_ADV_G, "weight_adv_discriminator": WEIGHT_ADV_D, "weight_cycle": WEIGHT_CYCLE,
              "cycle_domain": "as the discriminator's", "synchronised_masks": True,
              "discriminator": "SkipConv, 4 blocks of 2 parallel convolutions, width from the profile"},
)
