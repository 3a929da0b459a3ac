r"""Flip-equivariant imaging: measurement consistency plus equivariance to left-right flips.

The worked example of README's "Contribute a method": the new loss of the step-by-step tutorial
(``examples/step_by_step.ipynb``), made a method of the benchmark. Copied to
``pipeline/methods/flip_ei.py`` it is registered as ``flip-ei``; ``make contribute
METHOD=flip-ei PROFILE=quick`` then writes the report kept beside this file
(``examples/flip_ei.report.md``).

.. math::

    \mathcal{L}(\theta) = \| A \hat{x} - y \|^2
    + \| T \hat{x} - f_\theta\big(A T \hat{x}, A\big) \|^2,
    \qquad \hat{x} = f_\theta(y, A)

with :math:`T` the left-right flip, a transform group of two elements. Assumes the images are
as likely flipped as not; a flipped reconstruction measured with the same mask is a measurement
of something the network has not seen, which shows it frequencies the mask missed.
"""

import torch
from deepinv.loss import Loss

from pipeline.methods import Method, Setup


class FlipEquivariantLoss(Loss):
    """Measurement consistency plus equivariance to left-right flips; never reads ``x``."""

    def forward(self, x_net: torch.Tensor, y: torch.Tensor, physics, model, **kwargs) -> torch.Tensor:
        consistency = (physics.A(x_net) - y).pow(2).flatten(1).mean(1)
        flipped = x_net.flip(-1)
        equivariance = (model(physics.A(flipped), physics) - flipped).pow(2).flatten(1).mean(1)
        return consistency + equivariance


def losses(setup: Setup):
    return [FlipEquivariantLoss()]


METHOD = Method(
    name="flip-ei",
    title="Flip-equivariant imaging (tutorial)",
    summary="MC plus consistency of the reconstruction under left-right flips: the tutorial's loss.",
    reference="Worked example of this benchmark, after D. Chen, J. Tachella, M. Davies, Equivariant imaging: "
              "learning beyond the range space, ICCV 2021",
    url="https://arxiv.org/abs/2103.14756",
    deepinv_classes=("deepinv.loss.Loss",),
    scenarios=("mri",),
    losses=losses,
)
