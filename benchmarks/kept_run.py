"""Load a run's kept weights into its model, rebuilt from the run's own config, for the
diagnostic scripts beside this file (``splitting_gain.py``, ``dead_units.py``)."""

from __future__ import annotations

from pathlib import Path

import torch

from pipeline.grid.plan import run_spec
from pipeline.grid.request import GridRequest
from pipeline.run import checkpoints
from pipeline.run.setup import prepare


def load(weights: Path, cache_dir: Path):
    """The checkpoint, the run's prepared parts (physics, test data) and its model with the
    weights loaded, on the CPU with one thread."""
    torch.set_num_threads(1)
    checkpoint = checkpoints.read(weights)
    config = checkpoint["config"]
    scenario, method, seed = checkpoint["run_id"].split("/")
    request = GridRequest(profile=config["profile"]["name"], epochs=config["profile"]["epochs"],
                          final_step=config["final_step"])
    spec = run_spec(request, scenario, method, int(seed.removeprefix("seed")))
    parts = prepare(spec, cache_dir, torch.device("cpu"), training=False)
    model = checkpoints.adapt(parts.model, spec, parts.setup)
    checkpoints.load_into(model, checkpoint, weights, spec)
    return checkpoint, parts, model


def magnitude(x: torch.Tensor) -> torch.Tensor:
    return x.pow(2).sum(dim=1, keepdim=True).sqrt()


def best_scale(out: torch.Tensor, x: torch.Tensor) -> float:
    """The scalar that brings the output's magnitude closest to the truth's (least squares)."""
    return float((magnitude(out) * magnitude(x)).sum() / magnitude(out).pow(2).sum())


def kspace_energy(image: torch.Tensor, physics) -> tuple[float, float]:
    """Norms of the image's k-space on the acquired samples and on the others (the MRI operator's
    Fourier transform is orthonormal, so the two squared norms add up to the image's)."""
    total, acquired = float(image.pow(2).sum()), float(physics.A(image).pow(2).sum())
    return acquired ** 0.5, max(total - acquired, 0.0) ** 0.5
