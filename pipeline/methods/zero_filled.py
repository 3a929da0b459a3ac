r"""No learning: the zero-filled reconstruction :math:`\hat{x} = A^\top y`.

The reference floor of every scenario: what a method must beat to have learnt anything.
"""

from deepinv.models import Reconstructor

from pipeline.methods import Method, Setup
from pipeline.setting.scenarios import SCENARIOS


class ZeroFilled(Reconstructor):
    """Returns the adjoint of the measurements (inverse FFT of zero-filled k-space, coil-combined)."""

    def forward(self, y, physics, **kwargs):
        return physics.A_adjoint(y)


def make_model(setup: Setup) -> Reconstructor:
    return ZeroFilled()


METHOD = Method(
    name="zero-filled",
    title="Zero-filled",
    summary="No training: the adjoint of the undersampled k-space, the no-learning baseline.",
    reference="Standard baseline",
    url="https://deepinv.github.io/deepinv/api/stubs/deepinv.physics.MRI.html",
    deepinv_classes=("deepinv.physics.MRI.A_adjoint",),
    scenarios=tuple(SCENARIOS),
    losses=None,
    make_model=make_model,
)
