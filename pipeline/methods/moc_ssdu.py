r"""MOC-SSDU: SSDU plus multi-operator consistency measured in k-space (CC-SSDU).

.. math::

    \mathcal{L}(\theta) = \underbrace{\| (I - M)\big(y - A f_\theta(M y, M A)\big) \|^2}_{\text{SSDU}}
    + \| y - A f_\theta(A_g \hat{x}, A_g) \|^2, \qquad \hat{x} = f_\theta(y, A)

with :math:`M` a Bernoulli split (ratio 0.6) and :math:`A_g` a new operator from the mask
generator. The second term reconstructs the *full* measurement: DeepInverse's Trainer would
otherwise hand it the split-input reconstruction (issue #875), so it is wrapped in
``FullMeasurementLoss``. Evaluated on the full measurement.
"""

from deepinv.loss import SplittingLoss

from pipeline.losses import FullMeasurementLoss, MOConsistencyLoss
from pipeline.methods import Method, Setup
from pipeline.methods.ssdu import SPLIT_RATIO, bernoulli_splitter


def losses(setup: Setup):
    return [
        SplittingLoss(mask_generator=bernoulli_splitter(setup), eval_split_input=False),
        FullMeasurementLoss(MOConsistencyLoss(setup.physics_generator, operator=setup.new_physics())),
    ]


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
    settings={"split_ratio": SPLIT_RATIO, "mo_term_on_full_measurement": True},
)
