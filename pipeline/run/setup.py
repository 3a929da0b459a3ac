"""Everything a run is built from, resolved once from its spec: the seeded global RNGs, the
measurements, the operator the losses see, what the method may use (``Setup``), the network, the
metrics and the learning curve; and what every run record says."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pipeline.base import kernels, provenance, streams
from pipeline.methods import Setup
from pipeline.run.curves import LearningCurve
from pipeline.setting.profiles import curve_epochs
from pipeline.run.spec import RunSpec
from pipeline.setting import imported
from pipeline.setting.measurements import MeasurementDataset, Measurements, load_measurements
from pipeline.setting.model import build_model, count_parameters


@dataclass
class RunParts:
    """What a run is built from, each part once: its measurements, the operator its losses are
    handed, what its method may use, its network before training and its extra metrics."""

    data: Measurements
    physics: object  # a deepinv Physics
    setup: Setup
    model: torch.nn.Module
    metrics: list[imported.NamedMetric]


def prepare(spec: RunSpec, cache_dir: Path, device: torch.device, training: bool = True) -> RunParts:
    """Build the run's parts from its spec. The order is part of the run: the global RNGs are
    seeded first, and the network's initialisation draws from them after the data and operators.
    The user's metrics and model are tried on the first test images here, before any training.
    ``training=False`` (evaluating saved weights) hands the operator without its re-measuring noise stream."""
    if device.type == "cpu":
        kernels.warn_if_unpinned()
    seed_everything(spec.seed)
    data = load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, Path(cache_dir))
    physics = (training_physics(spec, data.img_size, device) if training
               else spec.scenario.physics(data.img_size, device=device))
    setup = method_setup(spec, data, device)
    model = network(spec, setup, device)
    metrics = imported.build_metrics(spec.custom)
    imported.check_parts(spec.custom, metrics, model, physics, data.test, device)
    return RunParts(data, physics, setup, model, metrics)


def seed_everything(seed: int) -> None:
    """Seed the global RNGs (network initialisation, library code without a generator of its own)
    from the run's ``init`` stream."""
    init = streams.stream_seed(seed, streams.INIT)
    random.seed(init)
    np.random.seed(init % 2**32)
    torch.manual_seed(init)


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
        return imported.build_model(spec.custom, device)
    if spec.method.make_model:
        return spec.method.make_model(setup)
    return build_model(spec.profile, device)


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


def base_record(spec: RunSpec, data: Measurements, model: torch.nn.Module, device: torch.device) -> dict:
    """What every run record says: which run, on what data, with which model, where and with what code."""
    return {
        "run_id": spec.run_id, "profile": spec.profile.name, "scenario": spec.scenario.name,
        "method": spec.method.name, "variant_of": spec.method.variant_of or "", "departure": spec.method.departure,
        "seed": spec.seed, "dataset": spec.dataset.name,
        "config_hash": spec.config_hash(), "status": "ok", "n_test": len(data.test), "img_size": data.img_size,
        "n_params": count_parameters(model), **provenance.device_record(device), "threads": torch.get_num_threads(),
        "kernels": provenance.kernels_record(device),
        "versions": provenance.versions(), "git_commit": provenance.git_commit(), **provenance.scheduler_record(),
    }
