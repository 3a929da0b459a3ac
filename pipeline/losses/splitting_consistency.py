"""SSDU-consistency: two splittings of the same measurement must agree where nothing was sampled."""

from __future__ import annotations

from deepinv.loss import SplittingLoss
from deepinv.physics import Physics
from deepinv.physics.generator import BernoulliSplittingMaskGenerator


class SplittingConsistencyLoss(SplittingLoss):
    r"""Parallel-network splitting consistency (shared weights).

    Two independent splits :math:`M_1, M_2` of the acquired samples give two reconstructions
    :math:`\hat{x}_i = f_\theta(M_i y, M_i A)`. Each must fit all measurements, and the two must
    agree on the k-space locations the acquisition mask :math:`M_A` never sampled:

    .. math::

        \mathcal{L} = \| \bar{A} \hat{x}_1 - \bar{A} \hat{x}_2 \|^2
        + \| y - A \hat{x}_1 \|^2 + \| y - A \hat{x}_2 \|^2,
        \qquad \bar{A} = (I - M_A) F S

    :math:`\hat{x}_1` is the model output the Trainer computes (the model is adapted to split its
    input, and evaluates on the full measurement); :math:`\hat{x}_2` is computed here. Assumes the
    network generalises from one random split of the sampled locations to another.

    Reference: C. Hu, C. Li, H. Wang, Q. Liu, H. Zheng, S. Wang, "Self-supervised learning for MRI
    reconstruction with a parallel network training framework", MICCAI 2021,
    https://arxiv.org/abs/2109.12502

    :param mask_generator: Bernoulli splitting mask generator (ratio 0.6 in SSIBench).
    :param complement: an operator of the same kind as the acquisition one, owned by this loss,
        whose mask is set to :math:`I - M_A` at each step.
    """

    def __init__(self, mask_generator: BernoulliSplittingMaskGenerator, complement: Physics, metric=None):
        super().__init__(metric=metric, mask_generator=mask_generator, eval_split_input=False)
        self.complement = complement

    def forward(self, x_net, y, physics, model, **kwargs):
        network = model.model  # the splitting wrapper's network
        mask2 = self.mask_generator.step(y.size(0), input_mask=physics.mask)["mask"]
        y2, physics2 = self.split(mask2, y, physics)
        x2 = network(y2, physics2)
        self.complement.update(mask=1 - physics.mask)
        self.terms = {  # kept for the live-terms check (pipeline.run.liveterms)
            "agreement": self.metric(self.complement.A(x_net), self.complement.A(x2)),
            "consistency of x1": self.metric(physics.A(x_net), y),
            "consistency of x2": self.metric(physics.A(x2), y),
        }
        return sum(self.terms.values())
