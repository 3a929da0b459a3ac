"""Example custom metrics for ``--metric``."""

from deepinv.loss.metric import Metric


class MAE(Metric):
    """Mean absolute error of the magnitude image, per image."""

    def metric(self, x_net, x, *args, **kwargs):
        magnitude = lambda v: v.pow(2).sum(1).sqrt()  # noqa: E731
        return (magnitude(x_net) - magnitude(x)).abs().flatten(1).mean(1)


class OneNumberPerBatch(Metric):
    """Wrong on purpose: one value for the whole batch."""

    def metric(self, x_net, x, *args, **kwargs):
        return (x_net - x).abs().mean()


class Raises(Metric):
    """Wrong on purpose: fails on every batch."""

    def metric(self, x_net, x, *args, **kwargs):
        raise ZeroDivisionError("division by zero in the metric")
