"""DeepInverse's MRI operators with a fast ``clone``.

``MOILoss``, ``MOEILoss`` and ``AugmentConsistencyLoss`` clone the operator at every training
step. DeepInverse 0.5.0's generic ``Physics.clone`` walks every attribute of the object graph
with ``inspect.getattr_static`` to find ``torch.Generator`` objects, which ``copy.deepcopy``
cannot copy: about 0.23 s per call here, more than the training step of the model itself.
These subclasses find the generators through the module tree instead (only a noise model
holds one), in well under a millisecond.

Unlike DeepInverse's ``clone``, the clone *shares* the noise model's generator instead of
copying its state. A loss that clones the training operator at every step and re-measures
through it (MOI, MO-EI) would otherwise start each step's noise from the same state, adding
the same noise at every step; shared, the draws continue the run's re-measurement noise
stream (``pipeline.base.streams.NOISE_REMEASURE``). For that, the noise model must keep its
generator too: DeepInverse's ``GaussianNoise`` moves itself to the input's device on every
call and replaces its generator with a copy as it does, even on the same device.
"""

from __future__ import annotations

import copy

import torch
from deepinv import physics as dp


class FastClone:
    """Mixin for a ``deepinv.physics.Physics`` (an ``nn.Module``) whose generators live in its modules."""

    def clone(self):
        shared = {id(value): value for module in self.modules() for value in vars(module).values()
                  if isinstance(value, torch.Generator)}
        return copy.deepcopy(self, shared)


class GaussianNoise(dp.GaussianNoise):
    """``deepinv.physics.GaussianNoise`` that keeps its generator object when already on the device."""

    def to(self, *args, **kwargs):
        device = self._get_device_from_args(*args, **kwargs)
        if self.rng is not None and device is not None and same_device(torch.device(device), self.rng.device):
            return torch.nn.Module.to(self, *args, **kwargs)
        return super().to(*args, **kwargs)


def same_device(a: torch.device, b: torch.device) -> bool:
    return a.type == b.type and (a.index or 0) == (b.index or 0)


class MRI(FastClone, dp.MRI):
    """``deepinv.physics.MRI`` with a fast ``clone``."""


class MultiCoilMRI(FastClone, dp.MultiCoilMRI):
    """``deepinv.physics.MultiCoilMRI`` with a fast ``clone``."""
