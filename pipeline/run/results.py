"""A finished run's results: read from its own folder, or off a longer run.

A profile made by ``Profile.stopped`` (the quick look) is a longer profile stopped early. A
curve point scored on every test image is the run stopped there, image by image
(``tests/test_curves.py``), so such a profile's run is read off the longer profile's run of the
same scenario, method and seed wherever that run is finished and current: the same per-image
scores, never trained apart. A run of its own, where there is one, is read first; a method the
longer profile lacks (a contributed one) trains its own runs.

What a run read off a longer one cannot have measured is said so: its training time is the
longer run's, pro-rated to the epochs kept (its measured rate, as the doubling test reads it), and
it keeps no reconstructions for the gallery.

Which kernels a run's arithmetic used (``pipeline.base.kernels``) is its record's, or, for a run
made before runs recorded them, that of an identical re-run under the pin kept in the tables'
``reproduced.csv`` (``make reproduce RECORD=...``): the record is given it as it is read.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.base import reading
from pipeline.base.errors import UsageError
from pipeline.base.tables import CURVE_LOSS, METRICS, read_csv
from pipeline.run.spec import BrokenRun, RunSpec, is_current, read_per_image, read_run
from pipeline.setting.profiles import PROFILES


@dataclass(frozen=True)
class Finished:
    record: dict  # the run's run.json (for a run read off a longer one: that run's, made this run's)
    per_image: pd.DataFrame | None  # None: the run diverged
    curve: pd.DataFrame | None = None  # curve.csv, with the training loss of the epoch ending at each point
    curve_per_image: pd.DataFrame | None = None
    folder: Path | None = None  # the run's own folder; None for a run read off a longer one


def finished(spec: RunSpec, results_dir: Path, metrics: tuple[str, ...] = METRICS) -> Finished | None:
    """The run's results if it is finished with its current config (``BrokenRun`` if its folder is
    damaged), else None."""
    folder = spec.folder(results_dir)
    record = read_run(folder)
    if record is not None and record["config_hash"] == spec.config_hash():
        return from_folder(folder, record, metrics)
    longer = longer_run(spec)
    if longer is None or not set(metrics) <= set(METRICS):  # the curves score the standard metrics only
        return None
    found = finished(longer, results_dir, metrics)
    return stopped(spec, found) if found is not None and found.per_image is not None else None


def from_folder(folder: Path, record: dict, metrics: tuple[str, ...]) -> Finished:
    record = with_kernels(record, folder)
    if record.get("status", "ok") != "ok":
        return Finished(record, None, folder=folder)
    curve = folder / "curve.csv"
    curve_images = folder / "curve_per_image.csv"
    return Finished(record, read_per_image(folder, metrics),
                    with_loss(read_table(curve), folder / "train_log.csv") if os.path.lexists(curve) else None,
                    read_table(curve_images) if os.path.lexists(curve_images) else None, folder)


def read_table(path: Path) -> pd.DataFrame:
    """A table of a run folder, read through ``reading.read_bytes`` (a regular file, bounded)."""
    return read_csv(io.BytesIO(reading.read_bytes(path, "table")))


PROOF = "reproduced.csv"  # beside a profile's tables: re-runs compared image by image (``pipeline.grid.reproduce``)


def with_kernels(record: dict, folder: Path) -> dict:
    """The record with its ``kernels`` (label and source): its own, or the label of an identical
    re-run of it (same config, same thread count) in its tables' ``reproduced.csv``, or none."""
    own = record.get("kernels")
    if isinstance(own, dict) and isinstance(own.get("label"), str):
        return {**record, "kernels": {**own, "source": "recorded"}}
    proof = folder.parents[3] / PROOF  # folder: <tables>/runs/<scenario>/<method>/seed<k>
    if not os.path.lexists(proof):
        return record
    key = (record.get("scenario"), record.get("method"), record.get("seed"), record.get("config_hash"),
           record.get("threads"))
    label = proven(proof, proof.stat().st_mtime_ns).get(key)
    return {**record, "kernels": {"label": label, "source": "reproduced"}} if label else record


@functools.lru_cache(maxsize=8)
def proven(path: Path, mtime_ns: int) -> dict[tuple, str]:
    """The kernels of each run an identical re-run proves, keyed (scenario, method, seed, committed
    config hash, threads); read once per version of the file."""
    try:
        table = read_table(path)
        missing = [c for c in ("scenario", "method", "seed", "committed_hash", "identical", "kernels", "threads",
                               "committed_threads") if c not in table.columns]
        if missing:
            raise ValueError(f"it lacks column(s) {', '.join(missing)}")
        table = table[table.identical.astype(str) == "True"]
        return {(r.scenario, r.method, int(r.seed), r.committed_hash, int(r.committed_threads)): str(r.kernels)
                for r in table.itertuples() if int(r.threads) == int(r.committed_threads)}
    except (OSError, ValueError, AttributeError, TypeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} cannot be read ({str(error).splitlines()[0][:120] if str(error) else type(error).__name__}); "
                         "delete it, or run `make reproduce RECORD=...` again to write it") from None


def longer_run(spec: RunSpec) -> RunSpec | None:
    """The run this one is the first epochs of, if its profile is a longer one stopped early."""
    name = spec.profile.stopped_from
    if name is None:
        return None
    longer = PROFILES[name]  # this run's profile, options given to it (final step, speed) included, made long again
    return replace(spec, profile=replace(spec.profile, name=longer.name, description=longer.description,
                                         epochs=longer.epochs, stopped_from=longer.stopped_from))


def stopped(spec: RunSpec, longer: Finished) -> Finished | None:
    """The longer run's results at this run's last epoch, if its curve scored every test image there
    (a method that does not train scores the same at any epoch)."""
    epochs = spec.profile.epochs
    record = {**longer.record, "profile": spec.profile.name, "config_hash": spec.config_hash(),
              "stopped_from": longer.record["profile"]}
    per_image = longer.per_image
    if spec.method.losses is not None:
        point = longer.curve_per_image
        point = point[point.epoch == epochs] if point is not None else None
        if point is None or list(point.image_id) != list(per_image.image_id):
            return None
        per_image = per_image[["image", "image_id"]].assign(**{m: point[m].to_numpy() for m in METRICS})
        record.update({"epochs": epochs, **{m: float(per_image[m].mean()) for m in METRICS},
                       "train_seconds": round(record["train_seconds"] * epochs / record["epochs"], 3)})
        record.pop("curve_seconds", None)
    kept = {name: table[table.epoch <= epochs] for name, table in
            (("curve", longer.curve), ("curve_per_image", longer.curve_per_image)) if table is not None}
    return Finished(record, per_image, kept.get("curve"), kept.get("curve_per_image"))


def with_loss(curve: pd.DataFrame, train_log: Path) -> pd.DataFrame:
    """The curve with the training loss of the epoch that ends at each point (NaN where no log says)."""
    log = read_table(train_log) if os.path.lexists(train_log) else None
    terms = [c for c in log.columns if c != "epoch"] if log is not None else []
    if not terms or log.empty:
        return curve.assign(**{CURVE_LOSS: float("nan")})
    total = log.assign(**{CURVE_LOSS: log[terms].sum(axis=1)})[["epoch", CURVE_LOSS]]
    return curve.merge(total, on="epoch", how="left")


def pending_runs(specs: list[RunSpec], results_dir: Path) -> list[RunSpec]:
    """The runs not yet finished with their current config (nor readable off a longer run). A
    damaged run folder is named on stderr and left alone (never overwritten): the grid goes on, and
    ``collect`` refuses until the folder is deleted."""
    pending = []
    for spec in specs:
        try:
            if not is_current(spec, results_dir) and finished(spec, results_dir) is None:
                pending.append(spec)
        except BrokenRun as broken:
            print(f"skipped: {broken}", file=sys.stderr)
    return pending
