r"""Equivariant imaging (EI) with rotations, plus measurement consistency.

.. math::

    \mathcal{L}(\theta) = \| y - A \hat{x} \|^2
    + \| T_g \hat{x} - f_\theta\big(A T_g \hat{x}, A\big) \|^2,
    \qquad \hat{x} = f_\theta(y, A)

with :math:`T_g` a rotation by a random angle in [0°, 360°), resampled nearest-neighbour
(DeepInverse's default, which SSIBench uses). Assumes the image distribution is invariant to rotations,
which lets the network see the null space of :math:`A` from other angles, even with one fixed
mask.
"""

from deepinv.loss import EILoss
from deepinv.transform import Rotate

from pipeline.losses import measurement_consistency
from pipeline.methods import Method, Setup


def losses(setup: Setup):
    # SSIBench: Rotate(), nearest-neighbour in its deepinv and in 0.5.0 (explicit: the default may change)
    rotate = Rotate(interpolation_mode="nearest", rng=setup.rng)
    return [measurement_consistency(setup.scenario), EILoss(transform=rotate)]


METHOD = Method(
    name="ei",
    title="Equivariant imaging (EI)",
    summary="MC plus consistency of the reconstruction under random rotations.",
    reference="D. Chen, J. Tachella, M. Davies, Equivariant imaging: learning beyond the range space, ICCV 2021",
    url="https://arxiv.org/abs/2103.14756",
    deepinv_classes=("deepinv.loss.MCLoss", "deepinv.loss.EILoss", "deepinv.transform.Rotate"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"transform": "Rotate", "interpolation": "nearest"},
)
