r"""Measurement consistency only.

.. math::

    \mathcal{L}(\theta) = \| y - A f_\theta(y, A) \|^2

(in the multi-coil scenario, in the adjoint domain: :math:`\|A^\top A \hat{x} - A^\top y\|^2`).
It cannot learn anything in the null space of :math:`A`: where the masks never sample, the
network gets no signal, so in single-coil MC alone matches zero-filled.
"""

from pipeline.losses import measurement_consistency
from pipeline.methods import Method

METHOD = Method(
    name="mc",
    title="Measurement consistency (MC)",
    summary="Fits the measurements only; blind to the null space of the operator.",
    reference="A. Wang, S. McDonagh, M. Davies, Benchmarking self-supervised learning methods for accelerated MRI reconstruction, arXiv 2025",
    url="https://arxiv.org/abs/2502.14009",
    deepinv_classes=("deepinv.loss.MCLoss",),
    scenarios=("mri", "single", "multicoil"),
    losses=lambda setup: [measurement_consistency(setup.scenario)],
)
