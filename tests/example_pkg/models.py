"""Example custom models for ``--model``: one that works, and broken ones for the error tests."""

from deepinv.models import Reconstructor
from torch import nn


class AdjointPlusConv(Reconstructor):
    """x = A^H y, refined by one residual 3x3 convolution: tiny, but a real trainable Reconstructor."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, y, physics, **kwargs):
        x = physics.A_adjoint(y)
        return x + self.conv(x)


def make_model() -> Reconstructor:
    return AdjointPlusConv()


def not_a_reconstructor():
    return nn.Conv2d(2, 2, 3, padding=1)


class CropsTheImage(AdjointPlusConv):
    def forward(self, y, physics, **kwargs):
        return super().forward(y, physics)[..., :-1]


class NoParameters(Reconstructor):
    """Wrong on purpose: nothing to train."""

    def forward(self, y, physics, **kwargs):
        return physics.A_adjoint(y)


class ForwardRaises(AdjointPlusConv):
    def forward(self, y, physics, **kwargs):
        raise ValueError("shapes do not line up")
