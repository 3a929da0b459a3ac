"""The training loop: ``deepinv.Trainer`` (or its adversarial kind) on the cached measurements,
with the learning curve recorded along the way, a stop at the first non-finite loss, and the
mean of each loss term per epoch."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
from deepinv import Trainer
from deepinv.loss import Loss
from deepinv.training import AdversarialOptimizer, AdversarialTrainer
from torch.utils.data import DataLoader

from pipeline.base import streams
from pipeline.methods import Setup
from pipeline.run.batches import ShuffledPasses
from pipeline.run.curves import LearningCurve
from pipeline.run.spec import RunSpec
from pipeline.setting.measurements import MeasuredSplit, MeasurementDataset


class Diverged(Exception):
    """A training loss became NaN or infinite: the run stops and is recorded as diverged."""

    def __init__(self, epoch: int, loss: float):
        super().__init__(f"training loss became {loss} in epoch {epoch}")
        self.epoch = epoch


class RunHooks:
    """Trainer mixin: record the learning curve at the start of each epoch (the end of the last),
    and stop at the first non-finite training loss, before it spreads to every weight."""

    curve: LearningCurve | None = None

    def compute_loss(self, *args, **kwargs):
        if self.curve is not None and kwargs.get("train", True):
            self.curve.after_epoch(kwargs.get("epoch", 0), self.model)  # epochs done so far
        loss_total, x_net, logs = super().compute_loss(*args, **kwargs)
        if torch.is_tensor(loss_total) and not torch.isfinite(loss_total).all():
            raise Diverged(kwargs.get("epoch", 0) + 1, float(loss_total.detach().float().sum()))
        return loss_total, x_net, logs


class GuardedTrainer(RunHooks, Trainer):
    """``deepinv.Trainer`` that records the learning curve and raises ``Diverged`` on a non-finite loss."""


class EpochMeans(Loss):
    """A loss that also keeps the mean of its value over each training epoch (``epoch`` kwarg)."""

    def __init__(self, loss: Loss):
        super().__init__()
        self.loss = loss
        self.sums: dict[int, list[float]] = {}

    def adapt_model(self, model):
        return self.loss.adapt_model(model)

    def forward(self, *args, epoch: int = 0, **kwargs):
        value = self.loss(*args, epoch=epoch, **kwargs)
        self.sums.setdefault(epoch, []).append(float(value.detach().mean()))
        return value

    def means(self) -> list[float]:
        return [float(np.mean(self.sums[e])) for e in sorted(self.sums)]


class GuardedAdversarialTrainer(RunHooks, AdversarialTrainer):
    """``deepinv.training.AdversarialTrainer`` that records the learning curve, raises ``Diverged``
    on a non-finite loss and records the generator and discriminator losses of each epoch in ``loss_history`` (deepinv
    0.5.0 updates its per-loss meters only when there is more than one loss of a kind)."""

    def setup_train(self, **kwargs):
        self.losses = [recorded(l) for l in as_list(self.losses)]
        self.losses_d = [recorded(l) for l in as_list(self.losses_d)]
        super().setup_train(**kwargs)

    def train(self, *args, **kwargs):
        model = super().train(*args, **kwargs)
        self.loss_history = {type(l.loss).__name__: l.means() for l in [*self.losses, *self.losses_d]}
        return model


def recorded(loss: Loss) -> EpochMeans:
    return loss if isinstance(loss, EpochMeans) else EpochMeans(loss)


def as_list(losses) -> list:
    return list(losses) if isinstance(losses, (list, tuple)) else [losses]


def train_loader(spec: RunSpec, train_split: MeasuredSplit, device: torch.device) -> DataLoader:
    """Shuffled training batches (on the run's shuffling stream, a CPU generator as the sampler
    needs whatever the run's device): one pass per epoch, or the profile's steps per epoch cut
    from consecutive passes (``pipeline.run.batches``); x only for supervised methods."""
    shuffling = streams.generator(spec.seed, streams.SHUFFLE)
    profile = spec.profile
    order = (dict(sampler=ShuffledPasses(len(train_split), profile.steps_per_epoch, profile.batch_size, shuffling))
             if profile.steps_per_epoch else dict(shuffle=True, generator=shuffling))
    return DataLoader(
        MeasurementDataset(train_split, with_ground_truth=spec.method.uses_ground_truth),
        batch_size=profile.batch_size, pin_memory="pinned-memory" in profile.speed and device.type == "cuda", **order,
    )


def train(spec: RunSpec, model, physics, setup: Setup, train_split: MeasuredSplit, device, progress: bool,
          curve: LearningCurve | None = None):
    """Train with ``deepinv.Trainer`` on the cached measurements; returns the (adapted) model and
    the losses per epoch. With ``curve``, the learning curve is recorded along the way.

    Evaluation is not left to the Trainer: with a physics generator it would draw new masks,
    so ``evaluate`` scores the fixed, cached test measurements instead.
    """
    loader = train_loader(spec, train_split, device)
    torch.backends.cudnn.benchmark = "cudnn-benchmark" in spec.profile.speed  # process-wide: set for each training
    options = dict(
        model=model, physics=physics, train_dataloader=loader, epochs=spec.profile.epochs,
        losses=spec.method.losses(setup), metrics=[], compute_train_metrics=False, online_measurements=False,
        device=device, save_path=None, verbose=progress, show_progress_bar=progress,
        freq_update_progress_bar=max(2, len(loader) // 4), non_blocking_transfers=device.type == "cuda",
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.profile.lr)
    if spec.method.discriminator is None:
        trainer = GuardedTrainer(optimizer=optimizer, **options)
    else:
        discriminator, losses_d = spec.method.discriminator(setup)
        discriminator = discriminator.to(device)
        both = AdversarialOptimizer(optimizer, torch.optim.Adam(discriminator.parameters(), lr=spec.profile.lr))
        trainer = GuardedAdversarialTrainer(optimizer=both, D=discriminator, losses_d=losses_d,
                                     optimizer_step_multi_dataset=False, **options)
    trainer.curve = curve
    model = trainer.train()
    if curve is not None:
        curve.after_epoch(spec.profile.epochs, model)
    return model, trainer.loss_history


def write_train_log(path: Path, history: dict[str, list[float]]) -> None:
    """One row per epoch: the mean of each loss term over the epoch."""
    names = list(history)
    epochs = max((len(v) for v in history.values()), default=0)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *names])
        for e in range(epochs):
            writer.writerow([e + 1, *(float(history[n][e]) for n in names)])
