"""Trained weights: kept on request after a run, and evaluated later without training.

A checkpoint holds the state of the model *as the method trains it*: DeepInverse's Trainer
adapts the network to some losses (a splitting or R2R wrapper that also changes how the model
reconstructs at test time), so the checkpoint is loaded into the same adapted model, rebuilt
from the profile and the method. Evaluating a checkpoint with its own profile, scenario and
method therefore reproduces the run's test metrics, up to the random draws of methods that
reconstruct with random splits or re-corruptions at test time (noise2inverse, ddssl).
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from pipeline.base import reading, storage
from pipeline.base.errors import UsageError
from pipeline.methods import Setup

FORMAT = 1


def weights_path(weights_dir: Path, run_id: str, profile: str) -> Path:
    return Path(weights_dir) / profile / f"{run_id}.pt"


def keep(weights_dir: Path, model: torch.nn.Module, spec, record: dict) -> Path:
    """Save a finished run's weights under ``weights_dir`` (its profile's folder), with what made
    them: the run's config and hash. Returns the file."""
    path = storage.inside(Path(weights_dir) / spec.profile.name, weights_path(weights_dir, spec.run_id, spec.profile.name))
    checkpoint = {
        "format": FORMAT, "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "run_id": spec.run_id, "config_hash": spec.config_hash(), "config": spec.config(),
        "psnr": record.get("psnr"),
    }
    buffer = io.BytesIO()  # saved to a file, torch names the archive's folder after it: bytes would differ
    torch.save(checkpoint, buffer)
    storage.write_bytes(path, buffer.getvalue())
    return path


def read(path: Path) -> dict:
    """A checkpoint written by ``save``; a one-line error for anything else."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"checkpoint {path} is a folder; pass the .pt file inside it that --keep-weights wrote")
    try:
        data = reading.read_bytes(path, "weights")  # a regular file within the limit; a pipe is never waited on
    except FileNotFoundError:
        raise UsageError(f"checkpoint {path} does not exist; train with KEEP_WEIGHTS=1 (--keep-weights) to write one") from None
    try:
        checkpoint = storage.load_tensors(io.BytesIO(data))  # weights only: never unpickles code from a file
    except UsageError:
        raise
    except Exception as err:  # a truncated or foreign file: torch raises many kinds, with advice we do not give
        raise UsageError(f"{path} is not a checkpoint of this benchmark (torch cannot read it as one: "
                         f"{type(err).__name__}); pass a file written by --keep-weights") from err
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT or "state_dict" not in checkpoint:
        raise UsageError(f"{path} is not a checkpoint of this benchmark (expected one written by --keep-weights)")
    return checkpoint


def adapt(model: torch.nn.Module, spec, setup: Setup) -> torch.nn.Module:
    """The network as the method's training leaves it: adapted by each of its losses, as the Trainer does."""
    for loss in spec.method.losses(setup) if spec.method.losses else []:
        model = loss.adapt_model(model)
    return model


def load_into(model: torch.nn.Module, checkpoint: dict, path: Path, spec) -> None:
    """Load the weights, or say in one line why they do not fit this profile's model."""
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as err:
        first = next((line.strip() for line in str(err).splitlines()[1:] if line.strip()), str(err))
        trained = checkpoint.get("run_id", "?")
        raise UsageError(f"checkpoint {path} (trained as {trained}) does not fit the model of profile "
                         f"'{spec.profile.name}' and method '{spec.method.name}': {first}") from err
