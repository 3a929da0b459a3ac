r"""SSDU-consistency: two random splits of each measurement, reconstructed by one shared network.

.. math::

    \mathcal{L}(\theta) = \| \bar{A} \hat{x}_1 - \bar{A} \hat{x}_2 \|^2
    + \| y - A \hat{x}_1 \|^2 + \| y - A \hat{x}_2 \|^2,
    \qquad \hat{x}_i = f_\theta(M_i y, M_i A)

with :math:`M_1, M_2` independent Bernoulli splits (ratio 0.6) of the acquired samples and
:math:`\bar{A}` the operator restricted to the k-space locations the acquisition never sampled:
the two reconstructions must agree where the data say nothing. Evaluated on the full measurement.

Random draws, as SSIBench: two independent Bernoulli splits per image at each step.
"""


from pipeline.losses import SplittingConsistencyLoss
from pipeline.methods import Method, Setup
from pipeline.methods.ssdu import SPLIT_RATIO, bernoulli_splitter


def losses(setup: Setup):
    return [SplittingConsistencyLoss(bernoulli_splitter(setup), complement=setup.new_physics())]


METHOD = Method(
    name="ssdu-consistency",
    title="SSDU-consistency",
    summary="Two random splits per measurement whose reconstructions must agree on unsampled k-space.",
    reference="C. Hu et al., Self-supervised learning for MRI reconstruction with a parallel network training framework, MICCAI 2021",
    url="https://arxiv.org/abs/2109.12502",
    deepinv_classes=("deepinv.loss.SplittingLoss", "deepinv.physics.generator.BernoulliSplittingMaskGenerator"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"split_ratio": SPLIT_RATIO},
)
