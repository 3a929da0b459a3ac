"""Hand a loss the reconstruction of the full measurement when it is combined with splitting."""

from __future__ import annotations

from deepinv.loss import Loss, SplittingLoss


def unwrap(model):
    """The network inside a splitting wrapper: it reconstructs from the full input."""
    while isinstance(model, SplittingLoss.SplittingModel):
        model = model.model
    return model


class FullMeasurementLoss(Loss):
    r"""Wraps a loss so that it sees :math:`\hat{x} = f_\theta(y, A)` of the *full* measurement.

    When a splitting loss is combined with another loss, DeepInverse's Trainer adapts the model
    to split its input, and hands *every* loss the split-input reconstruction
    :math:`f_\theta(My, MA)` and the splitting model (DeepInverse issue #875). Terms that are
    defined on the full measurement, such as Noise2Recon's augmentation consistency or the
    multi-operator consistency of CC-SSDU, then silently optimise something else. This wrapper
    recomputes the reconstruction from the full :math:`y` with the unwrapped network and passes
    the unwrapped network on, at the cost of one extra forward pass per step.
    """

    def __init__(self, loss: Loss):
        super().__init__()
        self.loss = loss

    def forward(self, y, physics, model, **kwargs):
        network = unwrap(model)
        kwargs.pop("x_net", None)
        return self.loss(x_net=network(y, physics), y=y, physics=physics, model=network, **kwargs)


__all__ = ["FullMeasurementLoss", "unwrap"]
