"""How often a 95 % interval holds the truth at 3, 5 and 10 seeds, how many verdicts each
interval gives on the committed results, and what more seeds would buy.

    .venv/bin/python benchmarks/interval_coverage.py [--profile cpu] [--draws 1000] [--seeds 3,5,10] [--out DIR]

1. Coverage. For every (scenario, method) of the paper in the profile with every test image in at least two
   seeds, and every paired difference of two of them in a scenario (references included, variants left
   out, as in 2.), the two-way analysis of
   variance of its per-image PSNR gives three variance components
   (``pipeline.analysis.interval_coverage.measured``). Tables of that shape are drawn ``--draws``
   times per set with normal effects, and each procedure's 95 % interval is checked against the
   truth, the mean over training randomness on the drawn test images. Pooled over the sets (its
   Monte Carlo standard error beside it), with the lowest and highest set's coverage; a set's own
   carries a Monte Carlo error of about 0.7 point at 1,000 draws.
2. Verdicts. Per scenario, the paired differences of the paper's methods (references included,
   variants left out) whose 95 % interval excludes zero: under the two-level bootstrap the site
   used before, and under the t-interval over the seeds it uses now.
3. Projection. The expected median half-width and number of significant pairs at each seed
   count (each measured difference taken as the truth: at the committed count, compare it with
   2.'s), and the training the extra seeds of the whole grid would take on 2 cores, from the
   committed runs' seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.analysis import interval_coverage as ic  # noqa: E402  (after the path: the checkout's package)
from pipeline.analysis.leaderboard import profile_named  # noqa: E402
from pipeline.analysis.ranking import Samples  # noqa: E402


def coverage_table(found: pd.DataFrame, images: int, seed_counts: list[int], draws: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for kind, sets in found.groupby("kind", sort=False):
        parts = ic.components(sets)
        for seeds in seed_counts:
            results = [ic.coverage(c, seeds, images, draws, rng) for c in parts]
            for procedure in ic.PROCEDURES:
                shares = np.array([r[procedure] for r in results])
                pooled = shares.mean()
                rows.append({"what": kind, "sets": len(parts), "seeds": seeds, "procedure": procedure,
                             "coverage": round(pooled, 4),
                             "se": round(np.sqrt(pooled * (1 - pooled) / (len(parts) * draws)), 4),
                             "lowest_set": round(shares.min(), 3), "highest_set": round(shares.max(), 3)})
    return pd.DataFrame(rows)


def verdicts(results_dir: Path, profile: str) -> pd.DataFrame:
    """Per scenario: the paper's pairs, and how many each procedure calls significant."""
    p = profile_named(results_dir, profile)
    rows = []
    for scenario in p.scenarios:
        images = p.per_image[p.per_image.scenario == scenario]
        methods = [m for m in dict.fromkeys(images.method) if p.catalogue.methods[m].in_paper]
        samples = Samples.of(images, "psnr", methods)
        before = after = pairs = 0
        for i, a in enumerate(methods):
            for b in methods[i + 1:]:
                x, y = samples.values[:, i], samples.values[:, methods.index(b)]
                both = ~(np.isnan(x) | np.isnan(y))
                if not both.any():
                    continue
                pairs += 1
                low, high = ic.bootstrap_interval((x - y)[both], samples.seeds[both])
                before += bool(low > 0 or high < 0)
                _, low, high = samples.difference(a, b)
                after += bool(low > 0 or high < 0)
        rows.append({"scenario": scenario, "pairs": pairs, "significant_bootstrap": before, "significant_t": after})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "results")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seeds", default="3,5,10")
    parser.add_argument("--out", type=Path, default=None, help="also write the three tables as CSV in this folder")
    args = parser.parse_args()

    start = time.perf_counter()
    tables = args.results_dir / args.profile
    per_image, runs = pd.read_csv(tables / "per_image.csv"), pd.read_csv(tables / "runs.csv")
    images = int(per_image.groupby(["scenario", "method", "seed"]).size().median())
    seed_counts = [int(s) for s in args.seeds.split(",")]
    catalogue = profile_named(args.results_dir, args.profile).catalogue
    found = ic.measured(per_image, [m for m, method in catalogue.methods.items() if method.in_paper])
    made = {"coverage": coverage_table(found, images, seed_counts, args.draws),
            "verdicts": verdicts(args.results_dir, args.profile),
            "projection": ic.projection(found, runs, seed_counts).round(3)}
    made["projection"]["extra_hours_on_2_cores"] = (made["projection"].extra_core_hours / 2).round(1)
    print(f"profile {args.profile}: {images} test images, {args.draws} draws per set, "
          f"{time.perf_counter() - start:.0f} s")
    for name, table in made.items():
        print(f"\n{name}\n{table.to_string(index=False)}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            table.to_csv(args.out / f"{name}.csv", index=False)


if __name__ == "__main__":
    main()
