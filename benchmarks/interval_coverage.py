"""How often a 95 % interval holds the truth at 3, 5 and 10 seeds: simulated with the variance
components of the committed tables.

    .venv/bin/python benchmarks/interval_coverage.py [--profile cpu] [--draws 1000] [--seeds 3,5,10] [--out FILE]

For every (scenario, method) of the profile with every test image in at least two seeds, and for
every paired difference of two methods of a scenario, the two-way analysis of variance of its
per-image PSNR gives three variance components (between seeds, between images, residual:
``pipeline.analysis.intervals.Components``). Tables of that shape are drawn ``--draws`` times per
component set with normal effects, and each procedure's 95 % interval is checked against the
truth, the mean over training randomness on the drawn test images. The coverage is pooled over
the sets (its Monte Carlo standard error is printed) with the lowest and highest set's beside it;
a set's own coverage carries a Monte Carlo error of about 0.7 point at 1,000 draws.
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

from pipeline.analysis import intervals  # noqa: E402  (after the path: the checkout's package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "results")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seeds", default="3,5,10")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as CSV")
    args = parser.parse_args()

    start = time.perf_counter()
    per_image = pd.read_csv(args.results_dir / args.profile / "per_image.csv")
    images = int(per_image.groupby(["scenario", "method", "seed"]).size().median())
    rng = np.random.default_rng(0)
    rows = []
    for kind, pairs in (("method means", False), ("paired differences", True)):
        sets = intervals.measured_components(per_image, pairs=pairs)
        for seeds in map(int, args.seeds.split(",")):
            found = [intervals.coverage(c, seeds, images, args.draws, rng) for c in sets]
            for procedure in intervals.PROCEDURES:
                shares = np.array([f[procedure] for f in found])
                pooled = shares.mean()
                rows.append({"what": kind, "sets": len(sets), "seeds": seeds, "procedure": procedure,
                             "coverage": round(pooled, 4), "se": round(np.sqrt(pooled * (1 - pooled) / (len(sets) * args.draws)), 4),
                             "lowest_set": round(shares.min(), 3), "highest_set": round(shares.max(), 3)})
    table = pd.DataFrame(rows)
    print(f"coverage of 95 % intervals, profile {args.profile} ({images} test images, {args.draws} draws per set, "
          f"{time.perf_counter() - start:.0f} s)")
    print(table.to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
