r"""VORTEX: measurement consistency plus consistency under physics-driven augmentations.

.. math::

    \mathcal{L}(\theta) = \| y - A \hat{x} \|^2
    + \| T_e \hat{x} - f_\theta\big(T_i y, A T_e^{-1}\big) \|^2

with :math:`T_i` an invariant, physics-driven augmentation of the measurement (a random k-space
phase error of scale 0.1 composed with Gaussian noise of σ 0.1) and :math:`T_e` an equivariant
image augmentation (a random shift of up to 10 % or a rotation of up to 15°, DeepInverse's
default as in SSIBench). The target :math:`T_e \hat{x}` is taken without gradient. Assumes the
reconstruction should be invariant to such acquisition perturbations.

Caveat (DeepInverse 0.5.0): ``AugmentConsistencyLoss`` patches :math:`A`, :math:`A^\top` and
:math:`A^\dagger` of the physics, but MoDL's data-consistency step uses MRI's ``prox_l2``,
which bypasses the patch: for rotations the prox is inconsistent with the augmented operator
(shifts are fine, being diagonal in k-space up to a phase). Kept as in SSIBench.
"""

from deepinv.loss import AugmentConsistencyLoss
from deepinv.transform import RandomNoise, RandomPhaseError, Rotate, Shift

from pipeline.losses import measurement_consistency
from pipeline.methods import Method, Setup

PHASE_ERROR_SCALE = 0.1
NOISE_SIGMA = 0.1


def losses(setup: Setup):
    augment = (RandomPhaseError(scale=PHASE_ERROR_SCALE, rng=setup.rng, flatten_video_input=False)
               * RandomNoise(sigma=NOISE_SIGMA, rng=setup.rng, flatten_video_input=False))
    equivariant = Shift(shift_max=0.1, rng=setup.rng) | Rotate(limits=15, interpolation_mode="nearest", rng=setup.rng)
    return [measurement_consistency(setup.scenario), AugmentConsistencyLoss(augment, equivariant, rng=setup.rng)]


METHOD = Method(
    name="vortex",
    title="VORTEX",
    summary="MC plus consistency of the reconstruction under random phase errors and noise.",
    reference="A. D. Desai et al., VORTEX: physics-driven data augmentations using consistency training for robust accelerated MRI reconstruction, MIDL 2022",
    url="https://arxiv.org/abs/2111.02549",
    deepinv_classes=("deepinv.loss.MCLoss", "deepinv.loss.AugmentConsistencyLoss",
                     "deepinv.transform.RandomPhaseError", "deepinv.transform.RandomNoise",
                     "deepinv.transform.Shift", "deepinv.transform.Rotate"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"phase_error_scale": PHASE_ERROR_SCALE, "noise_sigma": NOISE_SIGMA},
)
