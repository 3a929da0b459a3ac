"""The ground-truth guard of ``contribute``: can a method's training reach the ground truth?

Self-supervised training items carry no ``x``, but a loss could still reach the images another
way: the pipeline's data module, the measurement cache, a closure over the images. The guard
simulates the measurements from the real images, then trains the method for a few smoke steps
with every ground truth the pipeline hands out replaced by NaN: the image splits its data module
loads and the ``x`` of both splits of the measurements (through ``load_measurements`` too). A loss
that reads the ground truth that way meets NaN, and its loss or the network's weights stop being
finite. What it does not cover: a loss that opens a data file itself (the template's NIfTI file,
an .h5 file, the cache on disk), which a reviewer sees in the method file.
Methods that use the ground truth by design (``uses_ground_truth=True``: supervised) are exempt.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from pipeline.base.errors import UsageError
from pipeline.methods import Method
from pipeline.run import setup
from pipeline.run.spec import RunSpec
from pipeline.run.training import Diverged, train
from pipeline.setting import data, measurements
from pipeline.setting.data import DatasetSpec, fastmri, mni
from pipeline.setting.data.prepare import ImageSplit
from pipeline.setting.measurements import MeasuredSplit, Measurements, load_measurements
from pipeline.setting.profiles import PROFILES
from pipeline.setting.scenarios import SCENARIOS

# every function through which the pipeline hands out ground truth, in each module that holds it
# under its own name (a module that imports one by name holds it too)
SOURCES = [(data, "load_images"), (mni, "mni_images"), (fastmri, "fastmri_images"), (measurements, "load_images"),
           (measurements, "load_measurements"), (setup, "load_measurements")]


def hidden(value: Any) -> Any:
    """``value`` with its ground truth replaced by NaN (images, image splits, measurements)."""
    if isinstance(value, torch.Tensor):
        return torch.full_like(value, float("nan"))
    if isinstance(value, np.ndarray):
        return np.full(value.shape, np.nan)
    if isinstance(value, ImageSplit):
        return dataclasses.replace(value, train=hidden(value.train), test=hidden(value.test))
    if isinstance(value, MeasuredSplit):
        return dataclasses.replace(value, x=None if value.x is None else hidden(value.x))
    if isinstance(value, Measurements):
        return Measurements(hidden(value.train), hidden(value.test))
    return value


@contextmanager
def ground_truth_hidden() -> Iterator[None]:
    """While the block runs, every ``SOURCES`` function returns its ground truth as NaN."""
    saved = [(module, name, getattr(module, name)) for module, name in SOURCES]

    def wrapped(function: Callable) -> Callable:
        return lambda *args, **kwargs: hidden(function(*args, **kwargs))

    try:
        for module, name, function in saved:
            setattr(module, name, wrapped(function))
        yield
    finally:
        for module, name, function in saved:
            setattr(module, name, function)


def guard(method: Method, cache_dir: Path, scenarios: tuple[str, ...] | None = None) -> list[str]:
    """Train ``method`` for the smoke profile's few steps in each of its scenarios with the ground
    truth hidden; one line per scenario where the loss or the weights did not stay finite."""
    failures = []
    for scenario in scenarios or method.scenarios:
        spec = RunSpec(PROFILES["smoke"], SCENARIOS[scenario], method, 0, DatasetSpec("mni"))
        load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, Path(cache_dir))  # simulated from the real images
        with ground_truth_hidden():
            failure = train_blind(spec, Path(cache_dir))
        if failure:
            failures.append(f"{scenario}: {failure}")
    return failures


USED_X = "used the ground truth `x`, which self-supervised methods never receive"


def outcome(method: Method, cache_dir: Path) -> str:
    """The guard's verdict on ``method`` in words, for ``contribute``; a one-line refusal if its
    training reached the ground truth."""
    if method.uses_ground_truth or method.losses is None:
        return "exempt: it " + ("uses the ground truth by design" if method.uses_ground_truth else "does not train")
    failures = guard(method, cache_dir)
    used_x = [f for f in failures if USED_X in f]
    if used_x:
        raise UsageError(f"the loss of `{method.name}` {USED_X} (in {used_x[0].replace(USED_X + ' ', '')}); its losses "
                         "may use y, the physics and the model only")
    if failures:
        raise UsageError(f"method '{method.name}' reaches the ground truth: trained with every ground-truth image "
                         f"replaced by NaN, {'; '.join(failures)}. Its losses may use y, the physics and the model only")
    return f"passed in {', '.join(method.scenarios)} (smoke steps with every ground-truth image replaced by NaN)"


def train_blind(spec: RunSpec, cache_dir: Path) -> str | None:
    """What went non-finite when training the run (its measurements read from the cache, with their
    ground truth hidden by ``ground_truth_hidden``), or None."""
    device = torch.device("cpu")
    parts = setup.prepare(spec, cache_dir, device)
    try:
        model, _ = train(spec, parts.model, parts.physics, parts.setup, parts.data.train, device, progress=False)
    except Diverged as diverged:
        return f"the loss became non-finite ({diverged})"
    except (TypeError, AttributeError, ValueError, RuntimeError) as error:
        reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else type(error).__name__
        if "NoneType" in reason:  # self-supervised training items carry no x: a loss that reads it meets None
            return f"{USED_X} ({type(error).__name__}: {reason})"
        return f"training failed with the ground truth hidden ({type(error).__name__}: {reason})"
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        return "the network's weights became non-finite"
    return None
