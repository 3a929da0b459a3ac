"""Measurement consistency in the adjoint (image) domain, for multi-coil MRI."""

from __future__ import annotations

import torch
from deepinv.loss import Loss, MCLoss
from deepinv.loss.metric import Metric

from pipeline.setting.scenarios import Scenario


class AdjointMCLoss(Loss):
    r"""Adjoint-domain measurement consistency.

    .. math::

        \mathcal{L}(\hat{x}, y) = \| A^\top A \hat{x} - A^\top y \|^2

    With several coils, k-space residuals of different coils are weighted by their coil
    sensitivities before being compared, which is what SSIBench uses in place of the k-space
    MC loss in the multi-coil scenario. For a single coil with a binary mask it equals the
    k-space MC loss up to the number of samples, since :math:`A^\top` is an isometry on the
    sampled locations.

    Assumes a linear operator whose adjoint ``A_adjoint`` is available.
    Reference: A. Wang, S. McDonagh, M. Davies, "Benchmarking Self-Supervised Learning Methods
    for Accelerated MRI Reconstruction", arXiv:2502.14009, 2025.

    :param metric: distance in the image domain, mean squared error by default.
    """

    def __init__(self, metric: Metric | torch.nn.Module | None = None):
        super().__init__()
        self.metric = metric if metric is not None else torch.nn.MSELoss()

    def forward(self, y, x_net, physics, **kwargs):
        return self.metric(physics.A_adjoint(physics.A(x_net)), physics.A_adjoint(y))


def measurement_consistency(scenario: Scenario) -> Loss:
    """The MC term of a scenario: k-space ``MCLoss``, or ``AdjointMCLoss`` with several coils."""
    return AdjointMCLoss() if scenario.multicoil else MCLoss()
