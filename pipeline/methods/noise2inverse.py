r"""Noise2Inverse: measurement splitting, evaluated by averaging several splits.

Trained exactly as SSDU (Bernoulli split :math:`M`, ratio 0.6):

.. math::

    \mathcal{L}(\theta) = \| (I - M) \big(y - A f_\theta(M y, M A)\big) \|^2

but at test time the network is applied to :math:`N = 3` random splits of the measurement and
the outputs are averaged, :math:`\hat{x} = \frac{1}{N}\sum_i f_\theta(M_i y, M_i A)`, so that
the network sees inputs distributed as in training.

Random draws, as SSIBench (``SplittingLoss``): one split per image at each step, and 3 per
image at evaluation.
"""

from deepinv.loss import SplittingLoss

from pipeline.methods import Method, Setup
from pipeline.methods.ssdu import SPLIT_RATIO, bernoulli_splitter
EVAL_SAMPLES = 3


def losses(setup: Setup):
    return [SplittingLoss(mask_generator=bernoulli_splitter(setup), eval_split_input=True, eval_n_samples=EVAL_SAMPLES)]


METHOD = Method(
    name="noise2inverse",
    title="Noise2Inverse",
    summary="SSDU's splitting loss, evaluated by averaging the reconstructions of 3 random splits.",
    reference="A. A. Hendriksen, D. M. Pelt, K. J. Batenburg, Noise2Inverse: self-supervised deep convolutional denoising for tomography, IEEE TCI 2020",
    url="https://arxiv.org/abs/2001.11801",
    deepinv_classes=("deepinv.loss.SplittingLoss", "deepinv.physics.generator.BernoulliSplittingMaskGenerator"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"split_ratio": SPLIT_RATIO, "eval_split_input": True, "eval_n_samples": EVAL_SAMPLES},
)
