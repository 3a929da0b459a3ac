"""Where a trained network's output went, and which of its ReLUs still pass anything, measured
from kept weights: what tells a dead generator from a live one that is merely wrong.

For the weights of one run (``python -m pipeline run ... --keep-weights``), over the run's test
images reconstructed as the benchmark scores them, this prints: the PSNR, the best scalar
rescaling of the output magnitude and the PSNR after it; the output's k-space norm on the
acquired samples (``inside``) and on those never acquired (``outside``), each over the truth's;
the zero-filled image's PSNR; the PSNR of the same network with its denoiser replaced by the
identity (``data_steps_only``: what MoDL's data-consistency steps give without the UNet, to set
a mostly dead UNet against); and, for every ``nn.ReLU`` module of the model (each call of an
unrolled network counted; functional and leaky ReLUs are not looked at), the share of its
outputs that are zero and how many of its channels are zero on every pixel of every test image
(*dead*: they pass no gradient, so training cannot revive them). An output that is zero
everywhere has no best scale (nan).

    .venv/bin/python benchmarks/dead_units.py WEIGHTS.pt [--cache-dir .cache]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from deepinv.loss.metric import PSNR
from deepinv.models import UNet

from kept_run import best_scale, kspace_energy, load  # beside this script


class ReluRecord:
    """Zero counts of one ReLU's outputs, over every call: in all, and per channel."""

    def __init__(self) -> None:
        self.zeros = self.total = 0
        self.live_channels: torch.Tensor | None = None

    def __call__(self, module, inputs, output: torch.Tensor) -> None:
        self.zeros += int((output == 0).sum())
        self.total += output.numel()
        live = (output != 0).flatten(2).any(dim=2).any(dim=0)
        self.live_channels = live if self.live_channels is None else self.live_channels | live

    def line(self, name: str) -> str:
        if self.live_channels is None:
            return f"  {name:<32}never called"
        dead = int((~self.live_channels).sum())
        return (f"  {name:<32}zero {self.zeros / self.total:6.1%}  dead channels {dead}/{len(self.live_channels)}")


def reconstructions(model, physics, test) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """(y, x, the network's output) per test image, as the benchmark scores them."""
    with torch.no_grad():
        for i in range(len(test)):
            physics.update(**test.params_of(slice(i, i + 1)))
            y, x = test.y[i:i + 1], test.x[i:i + 1]
            yield y, x, model(y, physics)


def output_rows(model, physics, test) -> dict[str, list[float]]:
    """Per test image: PSNR, best scale, rescaled PSNR, k-space norms over the truth's, zero-filled PSNR."""
    psnr = PSNR(complex_abs=True)
    found: dict[str, list[float]] = {k: [] for k in ("psnr", "scale", "rescaled", "inside", "outside", "zero_filled")}
    for y, x, out in reconstructions(model, physics, test):
        scale = best_scale(out, x)
        (inside, outside), (truth_inside, truth_outside) = kspace_energy(out, physics), kspace_energy(x, physics)
        for key, value in (("psnr", psnr(out, x)), ("scale", scale), ("rescaled", psnr(scale * out, x)),
                           ("inside", inside / truth_inside), ("outside", outside / truth_outside),
                           ("zero_filled", psnr(physics.A_adjoint(y), x))):
            found[key].append(float(value))
    return found


def data_steps_only(model, physics, test) -> list[float]:
    """Per test image, the PSNR of the network with its UNet replaced by the identity: a forward
    hook hands every UNet call its own input back. Run before the ReLUs are recorded, so that
    their counts are those of the network as trained."""
    psnr = PSNR(complex_abs=True)
    (unet,) = [m for m in model.modules() if isinstance(m, UNet)]
    hook = unet.register_forward_hook(lambda module, inputs, output: inputs[0])
    try:
        return [float(psnr(out, x)) for _, x, out in reconstructions(model, physics, test)]
    finally:
        hook.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    args = parser.parse_args()
    checkpoint, parts, model = load(args.weights, args.cache_dir)
    model.eval()
    steps_only = data_steps_only(model, parts.physics, parts.data.test)
    records = {name: ReluRecord() for name, m in model.named_modules() if isinstance(m, torch.nn.ReLU)}
    for name, m in model.named_modules():
        if name in records:
            m.register_forward_hook(records[name])
    found = output_rows(model, parts.physics, parts.data.test)
    found["data_steps_only"] = steps_only
    config = checkpoint["config"]
    print(f"{checkpoint['run_id']} ({config['profile']['name']}, {config['profile']['epochs']} epochs), "
          f"{len(parts.data.test)} test images: mean (min-max)")
    for key, values in found.items():
        v = np.asarray(values)
        print(f"  {key:<16}{v.mean():8.3f}  ({v.min():.3f}-{v.max():.3f})")
    print("ReLUs (every call):")
    for name, record in records.items():
        print(record.line(name))


if __name__ == "__main__":
    main()
