"""A run: train one method on one scenario of one profile with one seed, evaluate, and record.

Life cycle: everything is written into a hidden temporary folder next to the run folder,
then moved into place with one ``rename``. A run killed at any moment therefore leaves no
folder that looks finished; ``run.json`` in the run folder is the mark of a finished run, and
its config hash decides whether the run is still current (skipped) or stale (redone).
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from deepinv import Trainer
from deepinv.loss import Loss
from deepinv.training import AdversarialOptimizer, AdversarialTrainer
from torch.utils.data import DataLoader

from pipeline import checkpoints, custom, locks, provenance, storage, streams
from pipeline.batches import ShuffledPasses
from pipeline.curves import LearningCurve, curve_epochs
from pipeline.data import DatasetSpec
from pipeline.errors import UsageError
from pipeline.evaluation import evaluate_into, now
from pipeline.measurements import MeasuredSplit, MeasurementDataset, Measurements, load_measurements
from pipeline.methods import Method, Setup
from pipeline.model import build_model, count_parameters
from pipeline.custom import CustomParts
from pipeline.profiles import Profile
from pipeline.scenarios import Scenario

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunSpec:
    profile: Profile
    scenario: Scenario
    method: Method
    seed: int
    dataset: DatasetSpec
    custom: CustomParts = CustomParts()  # user model/physics/metrics: results kept apart

    @property
    def run_id(self) -> str:
        return f"{self.scenario.name}/{self.method.name}/seed{self.seed}"

    def config(self) -> dict:
        """Everything that determines the result; its hash identifies the run's version."""
        return {
            "profile": self.profile.as_config(),
            "scenario": self.scenario.as_config(),
            "method": {"name": self.method.name, "settings": self.method.settings,
                       "uses_ground_truth": self.method.uses_ground_truth},
            "dataset": self.dataset.as_config(),
            "final_step": self.profile.final_step_for(self.scenario.noise_sigma > 0, self.scenario.coils > 1),
            "seed": self.seed, "random_streams": streams.SCHEME,
            **({"custom": self.custom.as_config()} if self.custom else {}),
        }

    def config_hash(self) -> str:
        return storage.config_hash(self.config())

    def tables_dir(self, results_dir: Path) -> Path:
        """Where this run's tables go: the profile's, or its own for runs with custom parts."""
        base = Path(results_dir) / self.profile.name
        return storage.inside(results_dir, base / "custom" / self.custom.label if self.custom else base)

    def folder(self, results_dir: Path) -> Path:
        return self.results_folder(results_dir, "runs")

    def results_folder(self, results_dir: Path, kind: str) -> Path:
        """This run's folder among the ``kind`` (trained runs, or evaluated checkpoints) of its tables."""
        root = self.tables_dir(results_dir) / kind
        return storage.inside(root, root / self.scenario.name / self.method.name / f"seed{self.seed}")


class BrokenRun(UsageError):
    """A finished run folder whose files cannot be read back; the message names it and the fix."""

    def __init__(self, folder: Path, what: str):
        super().__init__(f"run folder {folder} is damaged: {what}; delete that folder and run the same "
                         "command again to redo the run")


def read_run(folder: Path) -> dict | None:
    """The record of a finished run, or None; ``BrokenRun`` if it is there but unreadable."""
    path = folder / RUN_FILE
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BrokenRun(folder, f"{RUN_FILE} is not valid JSON ({getattr(error, 'msg', error)})") from None
    if not isinstance(record, dict) or "config_hash" not in record:
        raise BrokenRun(folder, f"{RUN_FILE} has no config_hash")
    check_config(folder, record["config_hash"])
    return record


def check_config(folder: Path, config_hash: str) -> None:
    """A finished run's config.json must be readable and be the config its record was made with."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except FileNotFoundError:
        raise BrokenRun(folder, "config.json is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BrokenRun(folder, f"config.json is not valid JSON ({getattr(error, 'msg', error)})") from None
    if not isinstance(config, dict) or config.get("config_hash") != config_hash:
        raise BrokenRun(folder, f"config.json is not the config of its {RUN_FILE} (config_hash differs)")


def read_per_image(folder: Path, metrics: tuple[str, ...]) -> pd.DataFrame:
    """A finished run's per-image scores; ``BrokenRun`` if the table is missing or incomplete."""
    try:
        table = pd.read_csv(folder / "per_image.csv")
    except (OSError, ValueError, UnicodeDecodeError) as error:  # pandas' parser errors are ValueErrors
        raise BrokenRun(folder, f"per_image.csv cannot be read ({str(error).splitlines()[0]})") from None
    missing = [c for c in ("image_id", *metrics) if c not in table.columns]
    if missing:
        raise BrokenRun(folder, f"per_image.csv lacks column(s) {', '.join(missing)}")
    return table


def is_current(spec: RunSpec, results_dir: Path) -> bool:
    record = read_run(spec.folder(results_dir))
    return record is not None and record["config_hash"] == spec.config_hash()


def pending_runs(specs: list[RunSpec], results_dir: Path) -> list[RunSpec]:
    """The runs not yet finished with their current config. A damaged run folder is named on
    stderr and left alone (never overwritten): the grid goes on, and ``collect`` refuses until
    the folder is deleted."""
    pending = []
    for spec in specs:
        try:
            if not is_current(spec, results_dir):
                pending.append(spec)
        except BrokenRun as broken:
            print(f"skipped: {broken}", file=sys.stderr)
    return pending


def seed_everything(seed: int) -> None:
    """Seed the global RNGs (network initialisation, library code without a generator of its own)
    from the run's ``init`` stream."""
    init = streams.stream_seed(seed, streams.INIT)
    random.seed(init)
    np.random.seed(init % 2**32)
    torch.manual_seed(init)


def execute(spec: RunSpec, results_dir: Path, cache_dir: Path, device: torch.device,
            progress: bool = True, weights_dir: Path | None = None) -> tuple[Path, bool]:
    """Do the run unless a current finished one exists; returns the run folder and whether it ran now.

    A lock per run makes a second process that reaches the same run wait for the first, then
    find it finished, instead of training it twice. With ``weights_dir`` the trained weights are
    kept there (``pipeline.checkpoints``).
    """
    final = spec.folder(results_dir)
    if is_current(spec, results_dir):
        return final, False
    lock = final.parent / f".{final.name}.lock"
    try:
        with locks.exclusive(lock, f"{spec.run_id} is being run by another process: waiting for it to finish"):
            if is_current(spec, results_dir):
                return final, False
            attempt(spec, results_dir, cache_dir, device, progress, weights_dir)
    except BaseException:
        prune_empty(final.parent, Path(results_dir))  # a failed run leaves no empty folders behind
        raise
    return final, True


def prune_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``top`` while they are empty."""
    top = top.absolute()
    folder = folder.absolute()
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (another run's files) or already gone
            return
        folder = folder.parent


def attempt(spec: RunSpec, results_dir: Path, cache_dir: Path, device: torch.device, progress: bool,
            weights_dir: Path | None = None) -> None:
    """Train and evaluate into a temporary folder, then move it into place in one rename."""
    final = spec.folder(results_dir)
    remove_abandoned_attempts(final)
    write_run_folder(spec, final, lambda tmp: train_and_evaluate(spec, tmp, cache_dir, device, progress, weights_dir))


def write_run_folder(spec: RunSpec, final: Path, fill: Callable[[Path], dict]) -> None:
    """``fill`` writes a run's files into a temporary folder and returns its record; the folder,
    completed with config.json and run.json, then replaces ``final`` in one rename."""
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        record = fill(tmp)
        storage.write_json(tmp / "config.json", {"config_hash": spec.config_hash(), **spec.config()})
        storage.write_json(tmp / RUN_FILE, record)
        storage.replace_folder(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_abandoned_attempts(final: Path) -> None:
    """Delete temporary folders of earlier attempts at this run whose process is gone."""
    for stale in final.parent.glob(f".{final.name}.*-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not storage.process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def train_and_evaluate(spec: RunSpec, out: Path, cache_dir: Path, device: torch.device, progress: bool,
                       weights_dir: Path | None = None) -> dict:
    seed_everything(spec.seed)
    data = load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, Path(cache_dir))
    img_size = data.img_size
    physics = training_physics(spec, img_size, device)
    setup = method_setup(spec, data, device)
    model = network(spec, setup, device)
    metrics = custom.build_metrics(spec.custom.metrics)
    for metric in metrics:  # fail before training, not after it
        metric.per_image(data.test.x[:2].to(device), data.test.x[:2].to(device))
    if spec.custom.model:
        physics.update(**{k: v.to(device) for k, v in data.test.params_of(slice(0, 1)).items()})
        custom.check_output_shape(model, spec.custom.model, data.test.y[:1].to(device), physics, data.test.x[:1].to(device))
    provenance.reset_peak_memory(device)

    record = {**base_record(spec, data, model, device), "n_train": len(data.train),
              "epochs": spec.profile.epochs if spec.method.losses is not None else 0}
    start = time.perf_counter()
    history: dict[str, list[float]] = {}
    curve = learning_curve(spec, setup, data, device)
    try:
        if spec.method.losses is not None:
            model, history = train(spec, model, physics, setup, data.train, device, progress, curve)
    except Diverged as diverged:
        return {**record, "status": "diverged", "failure": str(diverged), "failed_epoch": diverged.epoch,
                "train_seconds": round(time.perf_counter() - start, 3), "finished_at": now()}
    finally:
        if curve.rows:
            curve.write(out)
    train_seconds = time.perf_counter() - start
    if curve.rows:
        record.update(curve_images=len(curve.subset), curve_seconds=round(curve.seconds, 3))

    record = {**record, **evaluate_into(out, model, physics, data.test, spec.profile, device, metrics),
              "train_seconds": round(train_seconds, 3), "peak_memory_mb": round(provenance.peak_memory_mb(device), 1)}
    write_train_log(out / "train_log.csv", history)
    if weights_dir is not None:
        path = storage.inside(Path(weights_dir) / spec.profile.name,
                              checkpoints.weights_path(weights_dir, spec.run_id, spec.profile.name))
        checkpoints.save(path, model, spec, record)
        record["weights"] = provenance.project_relative(path)
    return record


def training_physics(spec: RunSpec, img_size: int, device: torch.device):
    """The operator the losses are handed. Its noise model draws the noise a loss adds when it
    re-measures through it (EI, MOI, MO-EI in a noisy scenario), on a stream of its own."""
    return spec.scenario.physics(img_size, device=device, rng=streams.generator(spec.seed, streams.NOISE_REMEASURE, device))


def learning_curve(spec: RunSpec, setup: Setup, data: Measurements, device: torch.device) -> LearningCurve:
    """The run's learning curve: the profile's points and test subset, scored on an operator of its
    own, with the method's random streams restored after each point."""
    return LearningCurve(
        spec.scenario.physics(data.img_size, device=device), data.test, spec.profile.curve_images,
        curve_epochs(spec.profile.epochs, spec.profile.curve_points), spec.profile.batch_size, device,
        setup.generators, label=spec.run_id,
    )


def network(spec: RunSpec, setup: Setup, device: torch.device) -> torch.nn.Module:
    """The run's network before training: the user's model, the method's own, or the profile's MoDL."""
    if spec.custom.model:
        return custom.build_model(spec.custom.model, device)
    if spec.method.make_model:
        return spec.method.make_model(setup)
    return build_model(spec.profile, device, noisy=spec.scenario.noise_sigma > 0, multicoil=spec.scenario.coils > 1)


def evaluate_checkpoint(spec: RunSpec, checkpoint_path: Path, results_dir: Path, cache_dir: Path,
                        device: torch.device) -> Path:
    """Evaluate saved weights without training, into ``results/<profile>/evaluated/...``.

    The folder is a normal run folder (run.json marked ``evaluated_from``), kept apart from the
    trained runs so that ``collect`` never mixes it into the leaderboard.
    """
    checkpoint = checkpoints.read(checkpoint_path)
    seed_everything(spec.seed)
    data = load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, Path(cache_dir))
    physics = spec.scenario.physics(data.img_size, device=device)
    setup = method_setup(spec, data, device)
    model = checkpoints.adapt(network(spec, setup, device), spec, setup)
    checkpoints.load_into(model, checkpoint, Path(checkpoint_path), spec)
    final = spec.results_folder(results_dir, "evaluated")
    write_run_folder(spec, final, lambda tmp: {
        **base_record(spec, data, model, device), "epochs": 0, "evaluated_from": provenance.project_relative(checkpoint_path),
        "trained_as": checkpoint.get("run_id"), "trained_config_hash": checkpoint.get("config_hash"),
        **evaluate_into(tmp, model, physics, data.test, spec.profile, device, custom.build_metrics(spec.custom.metrics)),
    })
    return final


def base_record(spec: RunSpec, data: Measurements, model: torch.nn.Module, device: torch.device) -> dict:
    """What every run record says: which run, on what data, with which model, where and with what code."""
    return {
        "run_id": spec.run_id, "profile": spec.profile.name, "scenario": spec.scenario.name,
        "method": spec.method.name, "variant_of": spec.method.variant_of or "", "departure": spec.method.departure,
        "seed": spec.seed, "dataset": spec.dataset.name,
        "config_hash": spec.config_hash(), "status": "ok", "n_test": len(data.test), "img_size": data.img_size,
        "n_params": count_parameters(model), **provenance.device_record(device), "threads": torch.get_num_threads(),
        "versions": provenance.versions(), "git_commit": provenance.git_commit(), **provenance.scheduler_record(),
    }


def method_setup(spec: RunSpec, data: Measurements, device: torch.device) -> Setup:
    """What the method may use to build its losses: generators on their own streams of the run
    seed (never the acquisition masks' stream), never the ground truth."""
    img_size = data.img_size
    loss_operators = spec.scenario.mask_generator(img_size, device, streams.generator(spec.seed, streams.LOSS_OPERATORS, device))
    return Setup(
        scenario=spec.scenario, img_size=img_size, device=device, seed=spec.seed,
        physics_generator=loss_operators, rng=streams.generator(spec.seed, streams.METHOD, device),
        unpaired=MeasurementDataset(data.train, with_ground_truth=False), batch_size=spec.profile.batch_size,
        discriminator_width=spec.profile.discriminator_width,
    )


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
    from consecutive passes (``pipeline.batches``); x only for supervised methods."""
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
