"""What DeepInverse #875 does to the second term of moc-ssdu and noise2recon-ssdu, measured.

For each published method and its ``-full`` variant, on the same cached training measurements
and the same freshly initialised network, this computes the second loss term as DeepInverse's
Trainer does (model wrapped by the losses, train mode, the split drawn by the forward pass) over
many draws of batches, and prints the mean of each and their ratio (variant / published).

    .venv/bin/python benchmarks/issue875.py [--profile quick] [--draws 200]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from pipeline.setting.data import DatasetSpec
from pipeline.setting.measurements import load_measurements
from pipeline.methods import get_method
from pipeline.setting.model import build_model
from pipeline.setting.profiles import get_profile
from pipeline.run.spec import RunSpec
from pipeline.run.setup import method_setup, seed_everything
from pipeline.run.training import train_loader
from pipeline.setting.scenarios import get_scenario

PAIRS = [("moc-ssdu", "moc-ssdu-full", "mri"), ("noise2recon-ssdu", "noise2recon-ssdu-full", "noisy")]


def mean_second_term(name: str, scenario: str, profile, draws: int, cache) -> float:
    """Mean over ``draws`` batches of the method's second term, computed as the Trainer does."""
    spec = RunSpec(profile, get_scenario(scenario), get_method(name, scenario), 0, DatasetSpec("mni"))
    data = load_measurements(profile, spec.scenario, spec.dataset, 0, cache)
    seed_everything(0)
    model = build_model(profile)
    losses = spec.method.losses(method_setup(spec, data, torch.device("cpu")))
    for loss in losses:
        model = loss.adapt_model(model)
    model.train()
    physics = spec.scenario.physics(data.img_size)
    second = next(l for l in losses if type(l).__name__ not in ("SplittingLoss", "WeightedSplittingLoss"))
    values = []
    with torch.no_grad():
        while len(values) < draws:
            for batch in train_loader(spec, data.train, torch.device("cpu")):
                physics.update(**batch["params"])
                x_net = model(batch["y"], physics, update_parameters=True)
                values.append(float(second(x_net=x_net, y=batch["y"], physics=physics, model=model).mean()))
                if len(values) == draws:
                    break
    return sum(values) / len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    profile = get_profile(args.profile)
    for published, variant, scenario in PAIRS:
        a = mean_second_term(published, scenario, profile, args.draws, args.cache_dir)
        b = mean_second_term(variant, scenario, profile, args.draws, args.cache_dir)
        print(f"{scenario}: {published} {a:.4g}, {variant} {b:.4g}, ratio variant/published {b / a:.2f} "
              f"({args.draws} batches, profile {args.profile}, untrained network)")


if __name__ == "__main__":
    main()
