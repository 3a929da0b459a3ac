"""Training batches counted in optimiser steps: consecutive shuffled passes over the images.

A profile that sets ``steps_per_epoch`` counts its budget in steps, whatever the number of
training images: each epoch is that many batches, cut from one endless stream of shuffled passes
(every image once per pass, in a new order each pass). An epoch may therefore end inside a pass,
and the next epoch goes on where it stopped; a batch that straddles two passes may hold one
image twice. The stream is drawn from one generator, so a run replays it exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


class ShuffledPasses(Sampler[int]):
    """``steps * batch_size`` image indices per epoch (``len``), from consecutive shuffled passes."""

    def __init__(self, n_images: int, steps: int, batch_size: int, generator: torch.Generator):
        if n_images < 1 or steps < 1 or batch_size < 1:
            raise ValueError(f"need images, steps and a batch size, got {n_images}, {steps}, {batch_size}")
        self.n_images, self.per_epoch, self.generator = n_images, steps * batch_size, generator
        self.pending: list[int] = []

    def __len__(self) -> int:
        return self.per_epoch

    def __iter__(self) -> Iterator[int]:
        for _ in range(self.per_epoch):
            if not self.pending:
                self.pending = torch.randperm(self.n_images, generator=self.generator).tolist()
            yield self.pending.pop(0)
