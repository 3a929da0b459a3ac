r"""Multi-operator imaging (MOI), plus measurement consistency.

.. math::

    \mathcal{L}(\theta) = \| y - A \hat{x} \|^2
    + \| \hat{x} - f_\theta(A_g \hat{x}, A_g) \|^2,
    \qquad \hat{x} = f_\theta(y, A)

with :math:`A_g` a new operator drawn from the mask generator at every step. Assumes the
measurements come from several operators whose null spaces differ, so that together they see
the whole image. In the single-operator scenario the new operators still come from the Gaussian
x6 generator, as in SSIBench.

Random draws, as SSIBench (DeepInverse's ``MOILoss`` calls the generator's ``step()``): one new
mask per batch, applied to every image of it, from the run's loss-operators stream.
"""

from deepinv.loss import MOILoss

from pipeline.losses import measurement_consistency
from pipeline.methods import Method, Setup


def losses(setup: Setup):
    return [measurement_consistency(setup.scenario), MOILoss(physics_generator=setup.physics_generator, rng=setup.rng)]


METHOD = Method(
    name="moi",
    title="Multi-operator imaging (MOI)",
    summary="MC plus consistency when the reconstruction is re-measured with a new random mask.",
    reference="J. Tachella, D. Chen, M. Davies, Unsupervised learning from incomplete measurements for inverse problems, NeurIPS 2022",
    url="https://arxiv.org/abs/2201.12151",
    deepinv_classes=("deepinv.loss.MCLoss", "deepinv.loss.MOILoss", "deepinv.physics.generator.GaussianMaskGenerator"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
)
