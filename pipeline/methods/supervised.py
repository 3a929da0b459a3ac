r"""Supervised training with ground truth, the upper bound of every scenario.

.. math::

    \mathcal{L}(\theta) = \| f_\theta(y, A) - x \|^2

Not self-supervised: it reads the ground truth :math:`x`, which no other method may.
"""

from deepinv.loss import SupLoss

from pipeline.methods import Method
from pipeline.setting.scenarios import SCENARIOS

METHOD = Method(
    name="supervised",
    title="Supervised",
    summary="Trains on ground-truth images: the upper bound for self-supervised methods.",
    reference="K. Hammernik et al., Learning a variational network for reconstruction of accelerated MRI data, MRM 2018",
    url="https://doi.org/10.1002/mrm.26977",
    deepinv_classes=("deepinv.loss.SupLoss",),
    scenarios=tuple(SCENARIOS),
    losses=lambda setup: [SupLoss()],
    uses_ground_truth=True,
)
