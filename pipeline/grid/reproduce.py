"""Check that committed results reproduce: the same runs, done again elsewhere, compared image by image.

``make reproduce`` re-runs a profile's grid into a scratch results folder (the committed one is
never touched) and compares every run that is committed with its re-run: the per-image PSNR
and SSIM on the same test images. A run reproduces only when every per-image number is
identical: the random streams are seeded, and with the CPU kernels pinned to AVX2
(``pipeline.base.kernels``) and the committed thread count, an x86-64 machine computes the
same bits as the one that made the run (measured; so far not for the adversarial methods). No
tolerance: a chaotic training turns the last bit into decibels.

``--record`` keeps each comparison as a row of a table (``RECORD_COLUMNS``), which the committed
profile's tables carry as ``reproduced.csv``: the proof, run by run, that a committed run is what
the pinned kernels compute. ``--replace`` puts a re-run made on the pinned kernels in place of a
committed run it does not reproduce (git keeps the old one).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.base import kernels, locks, storage
from pipeline.base.tables import METRICS, RECORD_COLUMNS, read_csv, to_csv
from pipeline.base.errors import UsageError
from pipeline.analysis.gate import check_links
from pipeline.grid.plan import GridRequest, requested_specs
from pipeline.run.results import finished, longer_run
from pipeline.run.spec import RunSpec, read_per_image, read_run

@dataclass
class Comparison:
    spec: RunSpec
    largest: dict[str, float]  # metric -> largest absolute per-image difference
    committed: dict  # the committed run's record
    again: dict  # the re-run's record

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def identical(self) -> bool:
        return all(v == 0 for v in self.largest.values())

    def line(self) -> str:
        verdict = "identical" if self.identical else "NOT identical"
        sizes = ", ".join(f"|Δ{m.upper()}| {v:.3g}" for m, v in self.largest.items())
        how = f"{kernels_label(self.again)} kernels, {self.again.get('threads')} thread(s)"
        made = f"{kernels_label(self.committed)} kernels, {self.committed.get('threads')} thread(s)"
        return f"{self.run_id}: {verdict} (largest per-image {sizes}; re-run on {how}, committed on {made})"

    def row(self) -> dict:
        spec, again = self.spec, self.again
        committed_spec = spec if self.committed.get("stopped_from") is None else longer_run(spec)
        return {"scenario": spec.scenario.name, "method": spec.method.name, "seed": spec.seed,
                "profile": spec.profile.name, "committed_hash": committed_spec.config_hash(),
                "identical": self.identical, **{f"{m}_largest_difference": v for m, v in self.largest.items()},
                "committed_kernels": kernels_label(self.committed), "committed_threads": self.committed.get("threads"),
                "kernels": kernels_label(again), "threads": again.get("threads"),
                **{k: again.get(k) for k in ("device_name", "finished_at", "git_commit")}}


def kernels_label(record: dict) -> str:
    """The kernels a run record says it used (``pipeline.base.kernels.label``), or ``not recorded``
    for a run made before runs recorded them (whatever an earlier re-run proved)."""
    kernels = record.get("kernels")
    if not isinstance(kernels, dict) or kernels.get("source") == "reproduced":
        return "not recorded"
    return kernels.get("label", "not recorded")


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
    committed = finished(spec, reference)
    ours = committed.per_image.set_index("image_id")
    folder = spec.folder(scratch)
    again = read_per_image(folder, METRICS).set_index("image_id")
    record = read_run(folder)
    if sorted(ours.index) != sorted(again.index):
        return Comparison(spec, {m: float("inf") for m in METRICS}, committed.record, record)
    again = again.loc[ours.index]
    return Comparison(spec, {m: float((ours[m] - again[m]).abs().max()) for m in METRICS}, committed.record, record)


def summary(comparisons: list[Comparison]) -> str:
    identical = sum(c.identical for c in comparisons)
    return f"{identical} of {len(comparisons)} runs reproduced: every per-image PSNR and SSIM identical"


def replace_differing(comparisons: list[Comparison], reference: Path, scratch: Path) -> list[str]:
    """Put each re-run made on the pinned kernels in place of the committed run it differs from,
    whole, in one rename; the run ids replaced. A re-run on other kernels replaces nothing."""
    replaced = []
    for comparison in comparisons:
        if comparison.identical or kernels_label(comparison.again) != kernels.PINNED:
            continue
        final = comparison.spec.folder(reference)
        tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            storage.copy_folder(comparison.spec.folder(scratch), tmp)
            storage.replace_folder(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        replaced.append(comparison.run_id)
    return replaced


def record(comparisons: list[Comparison], path: Path) -> None:
    """Keep the comparisons as rows of ``path`` (a run compared again replaces its row), under a lock
    so that several reproduce commands can share the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locks.exclusive(path.parent / f".{path.name}.lock", f"another process is writing {path}: waiting"):
        new = pd.DataFrame([c.row() for c in comparisons], columns=RECORD_COLUMNS)
        old = read_csv(path) if path.is_file() else pd.DataFrame(columns=RECORD_COLUMNS)
        keys = ["scenario", "method", "seed", "profile"]
        kept = old[~old.set_index(keys).index.isin(new.set_index(keys).index)]
        table = pd.concat([kept, new], ignore_index=True) if len(kept) else new
        storage.write_text(path, to_csv(table.sort_values(keys, kind="stable")[RECORD_COLUMNS]))


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
