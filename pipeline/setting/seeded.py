"""DeepInverse parts that sample from torch's global random state, made to draw from a named stream.

libcpab's CPAB diffeomorphisms and R2R's re-corruption noise (``torch.distributions`` samplers)
ignore any generator and draw from the global RNG, which every other library call shares.
Each subclass here runs that sampling on the global RNG forked and seeded from its own
generator (``streams.global_rng_from``): the same distribution and defaults as DeepInverse,
draws that come from (and move with) the run's named stream.
"""

from __future__ import annotations

import torch
from deepinv.loss import R2RLoss
from deepinv.loss.r2r import R2RModel
from deepinv.transform import CPABDiffeomorphism

from pipeline.base import streams


class SeededCPABDiffeomorphism(CPABDiffeomorphism):
    """CPAB diffeomorphism (3 tessellations, zero boundary, volume preserving, one per batch) drawn from ``rng``."""

    def _get_params(self, x: torch.Tensor) -> dict:
        with streams.global_rng_from(self.rng):
            return super()._get_params(x)


class SeededR2RModel(R2RModel):
    """R2R's wrapped network, whose re-corrupted inputs are drawn from ``rng``."""

    def __init__(self, model, noise_model, alpha, eval_n_samples, rng: torch.Generator):
        super().__init__(model, noise_model, alpha, eval_n_samples)
        self.rng = rng

    def forward(self, y, physics, update_parameters=False):
        with streams.global_rng_from(self.rng):
            return super().forward(y, physics, update_parameters=update_parameters)


class SeededR2RLoss(R2RLoss):
    """DeepInverse's ``R2RLoss``, its re-corruption drawn from ``rng`` (the noise model's own generator
    is not used by DeepInverse's R2R sampler)."""

    def __init__(self, *args, rng: torch.Generator, **kwargs):
        super().__init__(*args, **kwargs)
        self.rng = rng

    def adapt_model(self, model, **kwargs):
        if isinstance(model, R2RModel):
            return model
        return SeededR2RModel(model, self.noise_model, self.alpha, self.eval_n_samples, self.rng)
