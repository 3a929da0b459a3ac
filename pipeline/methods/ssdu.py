r"""SSDU: self-supervised learning via data undersampling.

Each measurement is split by a random Bernoulli mask :math:`M` (ratio 0.6) into an input part
and a held-out part; the network sees only the first and is scored on the second:

.. math::

    \mathcal{L}(\theta) = \| (I - M) \big(y - A f_\theta(M y, M A)\big) \|^2

Assumes the held-out samples carry information about the unseen ones, i.e. that the masks
vary; with a single fixed mask it cannot learn the never-sampled frequencies. Evaluated on the
full measurement (no split at test time).

Random draws, as SSIBench (DeepInverse's ``SplittingLoss``): one Bernoulli split per image at
each step.
"""

from deepinv.loss import SplittingLoss
from deepinv.physics.generator import BernoulliSplittingMaskGenerator

from pipeline.methods import Method, Setup

SPLIT_RATIO = 0.6


def bernoulli_splitter(setup: Setup) -> BernoulliSplittingMaskGenerator:
    """Pixelwise Bernoulli split of the acquired samples (ratio 0.6), shared by the SSDU family."""
    return BernoulliSplittingMaskGenerator(
        (1, setup.img_size, setup.img_size), split_ratio=SPLIT_RATIO, device=setup.device, rng=setup.rng
    )


def losses(setup: Setup):
    return [SplittingLoss(mask_generator=bernoulli_splitter(setup), eval_split_input=False)]


METHOD = Method(
    name="ssdu",
    title="SSDU",
    summary="Splits each k-space into input and held-out samples and predicts the held-out ones.",
    reference="B. Yaman et al., Self-supervised learning of physics-guided reconstruction neural networks without fully sampled reference data, MRM 2020",
    url="https://doi.org/10.1002/mrm.28378",
    deepinv_classes=("deepinv.loss.SplittingLoss", "deepinv.physics.generator.BernoulliSplittingMaskGenerator"),
    scenarios=("mri", "single", "multicoil"),
    losses=losses,
    settings={"split_ratio": SPLIT_RATIO, "eval_split_input": False},
)
