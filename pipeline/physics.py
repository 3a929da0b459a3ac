"""DeepInverse's MRI operators with a fast ``clone``.

``MOILoss``, ``MOEILoss`` and ``AugmentConsistencyLoss`` clone the operator at every training
step. DeepInverse 0.5.0's generic ``Physics.clone`` walks every attribute of the object graph
with ``inspect.getattr_static`` to find ``torch.Generator`` objects, which ``copy.deepcopy``
cannot copy: about 0.23 s per call here, more than the training step of the model itself.
These subclasses find the generators through the module tree instead (only a noise model
holds one) and hand fresh copies of them to ``copy.deepcopy``: the same result, in well under
a millisecond.
"""

from __future__ import annotations

import copy

import torch
from deepinv import physics as dp


class FastClone:
    """Mixin for a ``deepinv.physics.Physics`` (an ``nn.Module``) whose generators live in its modules."""

    def clone(self):
        memo = {}
        for module in self.modules():
            for value in vars(module).values():
                if isinstance(value, torch.Generator):
                    fresh = torch.Generator(value.device)
                    fresh.set_state(value.get_state())
                    memo[id(value)] = fresh
        return copy.deepcopy(self, memo)


class MRI(FastClone, dp.MRI):
    """``deepinv.physics.MRI`` with a fast ``clone``."""


class MultiCoilMRI(FastClone, dp.MultiCoilMRI):
    """``deepinv.physics.MultiCoilMRI`` with a fast ``clone``."""
