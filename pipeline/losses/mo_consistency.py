"""Multi-operator consistency in the measurement domain (CC-SSDU's cross-operator term)."""

from __future__ import annotations

import torch
from deepinv.loss import Loss
from deepinv.physics import Physics
from deepinv.physics.generator import PhysicsGenerator


class MOConsistencyLoss(Loss):
    r"""Re-measure with a new operator, reconstruct, and compare with the original measurement.

    .. math::

        \mathcal{L} = \| y - A f_\theta(A_g \hat{x}, A_g) \|^2, \qquad \hat{x} = f_\theta(y, A)

    with :math:`A` the image's own acquisition operator and :math:`A_g` a new operator drawn from
    the mask generator: one new mask per batch, applied to every image of it, as SSIBench's term
    (built on DeepInverse's ``MOILoss``, which calls the generator's ``step()``). Like MOI's loss, but compared in the measurement domain, where the data
    are known, instead of against :math:`\hat{x}`. Assumes several operators with different
    null spaces. Combined with SSDU in DeepInverse's Trainer it is handed the split-input
    reconstruction and the splitting model (issue #875), as in SSIBench's ``moc-ssdu``; wrapped
    in ``FullMeasurementLoss`` it sees the full measurement (the variant ``moc-ssdu-full``).

    Reference: Zhang et al. (CC-SSDU), IEEE 2024, as defined and benchmarked by A. Wang, S. McDonagh,
    M. Davies, "Benchmarking self-supervised learning methods for accelerated MRI
    reconstruction", arXiv:2502.14009.

    :param physics_generator: generator of new operators' parameters (masks).
    :param operator: an operator of the scenario's kind owned by this loss, updated with each new
        mask (cheaper than cloning the acquisition physics at every step).
    """

    def __init__(self, physics_generator: PhysicsGenerator, operator: Physics, metric: torch.nn.Module | None = None):
        super().__init__()
        self.physics_generator = physics_generator
        self.operator = operator
        self.metric = metric if metric is not None else torch.nn.MSELoss()

    def forward(self, x_net, y, physics, model, **kwargs):
        self.operator.update(**self.physics_generator.step())  # one mask, broadcast over the batch
        x_again = model(self.operator.A(x_net), self.operator)
        return self.metric(physics.A(x_again), y)
