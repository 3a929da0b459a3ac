r"""MOC-SSDU: SSDU plus multi-operator consistency measured in k-space (CC-SSDU), as SSIBench ran it.

.. math::

    \mathcal{L}(\theta) = \underbrace{\| (I - M)\big(y - A \hat{x}_M\big) \|^2}_{\text{SSDU}}
    + \| y - A f_\theta(M' A_g \hat{x}_M, M' A_g) \|^2, \qquad \hat{x}_M = f_\theta(M y, M A)

with :math:`M` a Bernoulli split (ratio 0.6) of the acquired samples, :math:`A_g` a new operator
from the mask generator and :math:`M'` a fresh split of :math:`A_g`'s samples. This is what
SSIBench's script optimises: DeepInverse's Trainer wraps the model in the splitting model once
and hands *every* loss the split-input reconstruction :math:`\hat{x}_M` and the splitting
model (DeepInverse issue #875), so the consistency term re-measures a reconstruction from 60 %
of the samples and reconstructs the re-measurement from a split of it. CC-SSDU's own
definition uses the full measurement: that is the labelled variant ``moc-ssdu-full``.
Evaluated on the full measurement.

Random draws, as SSIBench: one new mask per batch for the consistency term (SSIBench builds it on
``MOILoss``, whose ``step()`` draws one), one Bernoulli split per image for SSDU.
"""

from deepinv.loss import SplittingLoss

from pipeline.losses import MOConsistencyLoss
from pipeline.methods import Method, Setup
from pipeline.methods.ssdu import SPLIT_RATIO, bernoulli_splitter


def mo_consistency(setup: Setup) -> MOConsistencyLoss:
    """The cross-operator term: re-measure with a new mask, reconstruct, compare with y."""
    return MOConsistencyLoss(setup.physics_generator, operator=setup.new_physics())


def ssdu(setup: Setup) -> SplittingLoss:
    return SplittingLoss(mask_generator=bernoulli_splitter(setup), eval_split_input=False)


def losses(setup: Setup):
    return [mo_consistency(setup), ssdu(setup)]  # SSIBench's order


METHOD = Method(
    name="moc-ssdu",
    title="MOC-SSDU (CC-SSDU)",
    summary="SSDU plus k-space consistency after re-measuring the reconstruction with a new mask.",
    reference="Zhang et al., CC-SSDU, IEEE 2024; loss as defined in Wang, McDonagh, Davies, arXiv 2025",
    url="https://arxiv.org/abs/2502.14009",
    deepinv_classes=("deepinv.loss.SplittingLoss", "deepinv.physics.generator.BernoulliSplittingMaskGenerator",
                     "deepinv.physics.generator.GaussianMaskGenerator"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"split_ratio": SPLIT_RATIO, "mo_term_input": "split (as SSIBench, DeepInverse #875)"},
)
