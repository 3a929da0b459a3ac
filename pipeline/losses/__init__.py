"""Losses that DeepInverse 0.5.0 lacks, written as ``deepinv.loss.Loss`` subclasses."""

from pipeline.losses.adjoint_mc import AdjointMCLoss, measurement_consistency
from pipeline.losses.full_measurement import FullMeasurementLoss, unwrap
from pipeline.losses.mo_consistency import MOConsistencyLoss
from pipeline.losses.splitting_consistency import SplittingConsistencyLoss

__all__ = [
    "AdjointMCLoss", "FullMeasurementLoss", "MOConsistencyLoss", "SplittingConsistencyLoss",
    "measurement_consistency", "unwrap",
]
