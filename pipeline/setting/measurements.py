"""Measurements y and their physics parameters, simulated once and shared by every method.

For a built-in dataset, ``load_measurements`` simulates y = A_mask(x) (+ noise) for the train
and test images of a (profile, scenario, dataset, seed) and caches the tensors on disk. Every
method of the scenario then trains and tests on exactly these tensors. The cache file name
carries a hash of everything that determines its content, so a changed setting never reads a
stale cache.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from pipeline.base import storage, streams
from pipeline.setting.data import DatasetSpec, load_images
from pipeline.setting.data.custom import custom_splits
from pipeline.setting.profiles import MNI_SPLIT_VERSION, Profile
from pipeline.setting.scenarios import Scenario

SIMULATION_BATCH = 16


@dataclass
class MeasuredSplit:
    """N measurements with their per-image physics params; ``x`` is the ground truth (or None)."""

    y: torch.Tensor
    params: dict[str, torch.Tensor]
    x: torch.Tensor | None
    ids: list[str]

    def __len__(self) -> int:
        return self.y.shape[0]

    def params_of(self, index) -> dict[str, torch.Tensor]:
        return {k: v[index] for k, v in self.params.items()}


@dataclass
class Measurements:
    train: MeasuredSplit
    test: MeasuredSplit

    @property
    def img_size(self) -> int:
        return self.test.x.shape[-1]


class MeasurementDataset(Dataset):
    """Dict items for ``deepinv.Trainer``: y and params, plus x only when ground truth is allowed.

    Self-supervised methods get no ``x`` key at all, so no loss can read the ground truth.
    """

    def __init__(self, split: MeasuredSplit, with_ground_truth: bool):
        if with_ground_truth and split.x is None:
            raise ValueError("this split has no ground truth")
        self.split = split
        self.with_ground_truth = with_ground_truth

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, i: int) -> dict:
        item = {"y": self.split.y[i], "params": self.split.params_of(i)}
        if self.with_ground_truth:
            item["x"] = self.split.x[i]
        return item


def simulate(images: torch.Tensor, ids: list[str], scenario: Scenario, params: dict[str, torch.Tensor],
             noise: torch.Generator) -> MeasuredSplit:
    """y = A(x) (+ noise) for each image with its own parameters; runs on the CPU so caches are portable."""
    physics = scenario.physics(images.shape[-1], rng=noise)
    ys = []
    with torch.no_grad():
        for start in range(0, len(images), SIMULATION_BATCH):
            batch = slice(start, start + SIMULATION_BATCH)
            ys.append(physics(images[batch], **{k: v[batch] for k, v in params.items()}))
    return MeasuredSplit(torch.cat(ys), params, images, ids)


def draw_params(scenario: Scenario, img_size: int, n_train: int, n_test: int,
                seed: int) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Physics parameters (the acquisition masks) of the train and test images: one draw per
    image, or one draw shared by all in the single-operator scenario; none for a fixed operator."""
    generator = scenario.mask_generator(img_size, rng=streams.generator(seed, streams.ACQUISITION))
    if generator is None:
        return {}, {}
    if scenario.fixed_mask:
        one = generator.step(batch_size=1)
        return tuple({k: v.expand(n, *v.shape[1:]).clone() for k, v in one.items()} for n in (n_train, n_test))
    drawn = generator.step(batch_size=n_train + n_test)
    return {k: v[:n_train] for k, v in drawn.items()}, {k: v[n_train:] for k, v in drawn.items()}


def cache_path(cache_dir: Path, profile: Profile, scenario: Scenario, dataset: DatasetSpec, seed: int) -> Path:
    key = {
        "dataset": dataset.as_config(), "img_size": profile.img_size, "n_train": profile.n_train,
        "n_test": profile.n_test, "scenario": scenario.as_config(), "seed": seed, "format": 2, "mni_split": MNI_SPLIT_VERSION,
    }
    root = cache_dir / "measurements" / profile.name
    return storage.inside(root, root / scenario.name / f"{dataset.name}-seed{seed}-{storage.config_hash(key)}.pt")


def read_cache(path: Path) -> Measurements | None:
    """A cached simulation, or None (said on stderr) if the file is damaged: it is a cache, so the
    caller simulates it again and overwrites it, rather than failing every run of the scenario."""
    cached = storage.read_cache(path, "measurement cache")
    try:
        return Measurements(MeasuredSplit(**cached["train"]), MeasuredSplit(**cached["test"])) if cached is not None else None
    except (KeyError, TypeError) as error:  # a readable file of another layout
        print(f"measurement cache {path} is damaged (unexpected layout: {error}); computing it again", file=sys.stderr)
        return None


def load_measurements(profile: Profile, scenario: Scenario, dataset: DatasetSpec, seed: int, cache_dir: Path) -> Measurements:
    """The cached measurements of a (profile, scenario, dataset, seed), simulated on first use."""
    if dataset.is_custom:
        train, test = custom_splits(dataset)
        return Measurements(MeasuredSplit(**train), MeasuredSplit(**test))
    path = cache_path(cache_dir, profile, scenario, dataset, seed)
    if path.exists():
        cached = read_cache(path)
        if cached is not None:
            return cached
    images = load_images(dataset, profile.img_size, profile.n_train, profile.n_test, cache_dir)
    train_params, test_params = draw_params(scenario, profile.img_size, len(images.train), len(images.test), seed)
    measurements = Measurements(
        simulate(images.train, images.train_ids, scenario, train_params, streams.generator(seed, streams.NOISE_TRAIN)),
        simulate(images.test, images.test_ids, scenario, test_params, streams.generator(seed, streams.NOISE_TEST)),
    )
    tensors = {name: vars(getattr(measurements, name)) for name in ("train", "test")}
    storage.atomic(path, lambda tmp: torch.save(tensors, tmp))
    return measurements
