r"""Multi-operator equivariant imaging (MO-EI) with CPAB diffeomorphisms, plus MC.

.. math::

    \mathcal{L}(\theta) = \| y - A \hat{x} \|^2
    + \| T_g \hat{x} - f_\theta(A_s T_g \hat{x}, A_s) \|^2,
    \qquad \hat{x} = f_\theta(y, A)

with :math:`T_g` a random continuous piecewise-affine (CPAB) diffeomorphism (3 tessellations,
zero boundary, volume preserving) and :math:`A_s` a new operator from the mask generator.
Draws as SSIBench (DeepInverse's ``MOEILoss``): one new mask and one diffeomorphism per batch,
applied to every image of it; the diffeomorphism comes from the method's random stream
(libcpab alone would use torch's global state, see ``pipeline.setting.seeded``).
Assumes the image distribution is invariant to small diffeomorphisms and that several
operators are available. SSIBench's new method; in the noisy scenario it is the non-robust
baseline of robust MO-EI.
"""

from deepinv.loss import MOEILoss

from pipeline.losses import measurement_consistency
from pipeline.methods import Method, Setup
from pipeline.setting.seeded import SeededCPABDiffeomorphism


def mo_ei_term(setup: Setup) -> MOEILoss:
    """The MO-EI term, shared with robust MO-EI."""
    return MOEILoss(transform=SeededCPABDiffeomorphism(device=setup.device, rng=setup.rng),
                    physics_generator=setup.physics_generator, rng=setup.rng)


def losses(setup: Setup):
    return [measurement_consistency(setup.scenario), mo_ei_term(setup)]


METHOD = Method(
    name="mo-ei",
    title="Multi-operator EI (MO-EI)",
    summary="MC plus equivariance to random diffeomorphisms, re-measured with new random masks.",
    reference="A. Wang, S. McDonagh, M. Davies, Benchmarking self-supervised learning methods for accelerated MRI reconstruction, arXiv 2025",
    url="https://arxiv.org/abs/2502.14009",
    deepinv_classes=("deepinv.loss.MCLoss", "deepinv.loss.MOEILoss", "deepinv.transform.CPABDiffeomorphism"),
    scenarios=("mri", "noisy", "single", "multicoil"),
    losses=losses,
    settings={"transform": "CPABDiffeomorphism", "n_tesselation": 3},
)
