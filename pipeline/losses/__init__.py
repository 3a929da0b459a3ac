"""Losses that DeepInverse 0.5.0 lacks, written as ``deepinv.loss.Loss`` subclasses."""

from pipeline.losses.adjoint_mc import AdjointMCLoss, measurement_consistency

__all__ = ["AdjointMCLoss", "measurement_consistency"]
