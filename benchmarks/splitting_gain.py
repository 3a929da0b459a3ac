"""The output gain of a network trained by a splitting loss, on the full measurement and on the
split measurements it was trained on, measured from kept weights.

SSDU-type losses train the network on ``M y`` (a random Bernoulli subset ``M`` of the acquired
samples, ratio 0.6) and, as in SSIBench (``eval_split_input=False``), the benchmark scores it on
the full ``y``. For the weights of one run (``python -m pipeline run ... --keep-weights``), this
prints, over the run's test images: the best scalar rescaling of the output magnitude (least
squares against the ground truth's) and the PSNR before and after it, on the full measurement
and on single random splits of it (drawn as the method's training draws them); where the
output's k-space energy lies, against the ground truth's: on the acquired samples (``inside``)
and on those never acquired (``outside``), each as a ratio of norms (1: as much as the truth);
for a split input, the relative error of the output's k-space against ``y`` on the samples the
network was given (``given``) and on the held-out ones its loss scores (``held_out``); and the
energy of the split zero-filled image over the full one's.

    .venv/bin/python benchmarks/splitting_gain.py WEIGHTS.pt [--splits 3] [--cache-dir .cache]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from deepinv.loss.metric import PSNR

from kept_run import best_scale, kspace_energy, load  # beside this script


def split_errors(out: torch.Tensor, y: torch.Tensor, y1: torch.Tensor, physics, physics1) -> tuple[float, float]:
    """Relative error of the output's k-space on the given samples (in ``y1``) and on the held-out ones."""
    given = float((physics1.A(out) - y1).pow(2).sum())
    held_out = float((physics.A(out) - y).pow(2).sum()) - given
    return (given / float(y1.pow(2).sum())) ** 0.5, (max(held_out, 0.0) / float((y - y1).pow(2).sum())) ** 0.5


def gain_rows(model, physics, test, splits: int) -> dict[str, list[float]]:
    """Per test image: best output scale and PSNR (raw, rescaled), full input and each split input."""
    psnr = PSNR(complex_abs=True)
    found: dict[str, list[float]] = {f"{k}_{side}": [] for side in ("full", "split")
                                     for k in ("scale", "psnr", "rescaled", "inside", "outside")}
    found.update(given_split=[], held_out_split=[], energy_split=[])
    model.eval()
    with torch.no_grad():
        for i in range(len(test)):
            y, x = test.y[i:i + 1], test.x[i:i + 1]
            physics.update(**test.params_of(slice(i, i + 1)))
            model.eval_split_input = False
            outputs = {"full": [(model(y, physics), physics.A_adjoint(y))]}
            model.eval_split_input, model.eval_n_samples = True, 1
            outputs["split"] = []
            for _ in range(splits):
                mask = model.mask_generator.step(1, input_mask=physics.mask)["mask"]
                y1, physics1 = model.split(mask, y, physics)
                out = model.model(y1, physics1)
                outputs["split"].append((out, physics1.A_adjoint(y1)))
                given, held_out = split_errors(out, y, y1, physics, physics1)
                found["given_split"].append(given)
                found["held_out_split"].append(held_out)
            full_energy = float(outputs["full"][0][1].norm())
            for side, pairs in outputs.items():
                for out, zero_filled in pairs:
                    scale = best_scale(out, x)
                    found[f"scale_{side}"].append(scale)
                    found[f"psnr_{side}"].append(float(psnr(out, x)))
                    found[f"rescaled_{side}"].append(float(psnr(scale * out, x)))
                    inside, outside = kspace_energy(out, physics)
                    truth_inside, truth_outside = kspace_energy(x, physics)
                    found[f"inside_{side}"].append(inside / truth_inside)
                    found[f"outside_{side}"].append(outside / truth_outside)
                    if side == "split":
                        found["energy_split"].append(float(zero_filled.norm()) / full_energy)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("--splits", type=int, default=3, help="random splits of each test measurement")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    args = parser.parse_args()
    checkpoint, parts, model = load(args.weights, args.cache_dir)
    config, method = checkpoint["config"], checkpoint["run_id"].split("/")[1]
    if not hasattr(model, "mask_generator"):
        raise SystemExit(f"{method} does not train on split measurements: nothing to measure")
    found = gain_rows(model, parts.physics, parts.data.test, args.splits)
    print(f"{checkpoint['run_id']} ({config['profile']['name']}, {config['profile']['epochs']} epochs), "
          f"{len(parts.data.test)} test images, {args.splits} splits each: mean (min-max)")
    for key, values in found.items():
        v = np.asarray(values)
        print(f"  {key:<16}{v.mean():8.3f}  ({v.min():.3f}-{v.max():.3f})")


if __name__ == "__main__":
    main()
