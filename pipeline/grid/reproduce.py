"""Check that committed results reproduce: the same runs, done again elsewhere, compared image by image.

``make reproduce`` re-runs a profile's grid into a scratch results folder (the committed one is
never touched) and compares every run that is committed with its re-run: the per-image PSNR
and SSIM on the same test images. On the platform that produced them the runs are
bit-identical (seeded streams, deterministic CPU kernels); elsewhere floating-point order may
differ, so a run also counts as reproduced within a stated tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.base.tables import METRICS
from pipeline.base.errors import UsageError
from pipeline.analysis.gate import check_links
from pipeline.grid.plan import GridRequest, requested_specs
from pipeline.run.results import finished
from pipeline.run.spec import RunSpec, read_per_image

TOLERANCE = {"psnr": 0.05, "ssim": 0.001}  # dB and SSIM units: far below any gap the leaderboard ranks


@dataclass
class Comparison:
    run_id: str
    largest: dict[str, float]  # metric -> largest absolute per-image difference

    @property
    def identical(self) -> bool:
        return all(v == 0 for v in self.largest.values())

    @property
    def reproduced(self) -> bool:
        return all(self.largest[m] <= TOLERANCE[m] for m in METRICS)

    def line(self) -> str:
        verdict = "identical" if self.identical else "within tolerance" if self.reproduced else "NOT reproduced"
        sizes = ", ".join(f"|Δ{m.upper()}| {v:.3g}" for m, v in self.largest.items())
        return f"{self.run_id}: {verdict} (largest per-image {sizes})"


def committed(specs: list[RunSpec], reference: Path) -> list[RunSpec]:
    """The runs of the grid finished with the current config in the reference folder (read off a
    longer run where they are; a diverged run has no scores to compare)."""
    found = [s for s in specs if (done := finished(s, reference)) is not None and done.per_image is not None]
    if not found:
        raise UsageError(f"no finished run of this grid in {reference}/ to reproduce; run `make benchmark` "
                         "(or pass the grid the committed results hold)")
    return found


def committed_threads(specs: list[RunSpec], reference: Path) -> int:
    """The torch thread count the committed runs were made with: the re-runs use it too, since a
    different count changes the order of floating-point sums, and so the trained weights."""
    counts = {finished(s, reference).record.get("threads") for s in specs}
    if len(counts) != 1 or None in counts:
        raise UsageError(f"the committed runs were made with different torch thread counts ({sorted(map(str, counts))}); "
                         "pass --threads (make: THREADS=) to re-run them with one")
    return counts.pop()


def compare(spec: RunSpec, reference: Path, scratch: Path) -> Comparison:
    """Per-image differences between a committed run (or the committed run it is read off) and its
    re-run, matched on image id."""
    ours = finished(spec, reference).per_image.set_index("image_id")
    again = read_per_image(spec.folder(scratch), METRICS).set_index("image_id")
    if sorted(ours.index) != sorted(again.index):
        return Comparison(spec.run_id, {m: float("inf") for m in METRICS})
    again = again.loc[ours.index]
    return Comparison(spec.run_id, {m: float((ours[m] - again[m]).abs().max()) for m in METRICS})


def summary(comparisons: list[Comparison]) -> str:
    reproduced = sum(c.reproduced for c in comparisons)
    identical = sum(c.identical for c in comparisons)
    tolerance = ", ".join(f"{v} {m.upper()}" for m, v in TOLERANCE.items())
    return (f"{reproduced} of {len(comparisons)} runs reproduced ({identical} bit-identical, "
            f"tolerance {tolerance} per image)")


def committed_runs(request: GridRequest) -> list[RunSpec]:
    """The request's runs that its results folder holds finished and current (read through no
    link that leaves the folder)."""
    if Path(request.results_dir).is_dir():
        check_links(request.results_dir)
    return committed(requested_specs(request), request.results_dir)


def again(request: GridRequest, specs: list[RunSpec], scratch: Path) -> GridRequest:
    """The same runs, to be done again in ``scratch``."""
    return replace(request, results_dir=scratch, seeds=",".join(map(str, sorted({s.seed for s in specs}))),
                   scenarios=",".join(dict.fromkeys(s.scenario.name for s in specs)),
                   methods=",".join(dict.fromkeys(s.method.name for s in specs)))
