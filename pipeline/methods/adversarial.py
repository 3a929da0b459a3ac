r"""Multi-operator unsupervised adversarial learning (Cole et al.), least-squares GAN.

.. math::

    \min_\theta \big(D(\Phi(A_g \hat{x})) - 1\big)^2, \qquad
    \min_D \big(D(\Phi(y')) - 1\big)^2 + D(\Phi(A_g \hat{x}))^2,
    \qquad \hat{x} = f_\theta(y, A)

The reconstruction is re-measured with a new random mask :math:`A_g` and a discriminator
:math:`D` (SkipConv, no sigmoid) learns to tell it from real measurements :math:`y'` of other
images (an unpaired stream, reshuffled each epoch); both are compared in the zero-filled image
domain :math:`\Phi = A^\top`. Generator and discriminator are trained together with Adam by
DeepInverse's ``AdversarialTrainer``. As in SSIBench, the generator and discriminator losses
each own a mask generator, seeded alike, so both draw the same :math:`A_g` at every step.
Assumes the measurement distribution seen through random masks identifies the image
distribution.

Departs from SSIBench only in its seeds: SSIBench seeds the masks and the unpaired stream with
42 in every run; here both derive from the run seed, each on a stream of its own.

Random draws, as the reference (DeepInverse PR #409 in the version SSIBench's ``train.py`` calls,
``step(batch_size=len(x_net))``): one new mask per image at each step, the same masks on the
generator and discriminator sides.

Collapse measured on the retired ``standard`` profile (its network ended on the projection
x + A†(y − Ax)), ``mri`` seed 0, by training the run again to step 384 with its weights kept: the
first ReLU of the UNet's last decoder block (``Up_conv2``) was zero on every pixel of every test
image, so the UNet added only a constant image (its output convolution's bias) to its input. A
constant image lives at k-space's centre, which every mask samples, so the network's output
held no k-space outside the measured samples (2.6e-13 of its energy) and the projection handed
back the zero-filled image exactly; a dead ReLU passes no gradient, so the generator never
recovered (the discriminator's loss fell to 0.04–0.1, the generator's rose to about 0.9).

With SSIBench's model (``cpu``, ending on the denoiser) it fails as in the paper, far below
zero-filled (``mri`` seed 0: 6.21 dB committed, zero-filled 19.36). In every committed ``mri``
seed the discriminator wins: its loss falls to 0.02–0.05 by the last epoch while the
generator's stays at 0.92–1.0, i.e. the discriminator scores the re-measured reconstructions
near 0. Seed 0 trained again here with its weights kept (``benchmarks/dead_units.py``; 12.57 dB, the
same on a second retraining a day later: training drifts across machines, and this method the
most) against supervised trained the
same way: the network's output is too dark (best scale 1.70, against 1.00), holds 0.56 of the
truth's k-space norm on the very samples it was given (1.00), and rescaling lifts it only to
15.9 dB; 218 of the UNet's 368 ReLU channels are dead on every test image (supervised: 82).
Nothing in the loss ties the output to its own measurement, and the generator's gradient
passes through ever fewer units. Why the discriminator wins this early is not yet explained:
the generator's gradient norm per epoch, and a run with the discriminator's steps slowed,
would test it.

``multicoil`` seed 1 of ``cpu`` is *collapsed* by the benchmark's rule: its test PSNR stays at
20.73–20.74 dB from step 960 to 1,344 while the generator's loss rises (0.88 to 0.95), then falls
to 12.91 dB at 1,536. Trained again here with its weights kept, to 1,344 and to 1,536 steps
(curve and training log identical to the committed run): at 1,344 the network scores what
MoDL's data steps give with the UNet replaced by the identity (20.74 against 20.78 dB;
zero-filled 19.81: in multi-coil the data steps do not return the zero-filled image), and 237 of
the UNet's 368 ReLU channels are zero on every test image. The generator adds nothing; the data
steps hold the output. At 1,536, 214 channels are dead and what the UNet adds makes the output
too bright (best scale 0.81; 1.12 times the truth's k-space norm on the acquired samples). Its
SSIM moved while its PSNR did not (0.59 to 0.44 over steps 960–1,344): not yet explained; the
difference between the two outputs, region by region, would tell.
"""

from pipeline.setting.discriminator import skipconv_discriminator
from pipeline.losses.adversarial import (
    MOAdversarialDiscriminatorLoss, MOAdversarialGeneratorLoss, MultiOperator, UnpairedMeasurements,
)
from pipeline.base import streams
from pipeline.methods import Method, Setup

DOMAIN = "adjoint"


def multi_operator(setup: Setup) -> MultiOperator:
    """New operators for one side of the game: each side owns a generator, both on one stream."""
    return MultiOperator(setup.mask_generator(streams.ADVERSARIAL_OPERATORS), setup.new_physics(), domain=DOMAIN)


def losses(setup: Setup):
    return [MOAdversarialGeneratorLoss(multi_operator(setup), device=setup.device)]


def discriminator(setup: Setup):
    unpaired = UnpairedMeasurements(setup.unpaired, setup.batch_size, setup.generator(streams.UNPAIRED, device="cpu"))
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
    settings={"domain": DOMAIN, "discriminator": "SkipConv, 4 blocks of 2 parallel convolutions, width from the profile",
              "synchronised_masks": True},
)
