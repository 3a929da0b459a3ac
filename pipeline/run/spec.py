"""What a run is and how its folder is read back: ``RunSpec`` (profile, scenario, method, seed,
dataset, custom parts), its config and hash, and the checks that tell a finished, current run
from a stale or damaged one."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.base import reading, storage, streams
from pipeline.base.errors import UsageError
from pipeline.methods import Method
from pipeline.setting.data import DatasetSpec
from pipeline.setting.imported import CustomParts
from pipeline.setting.profiles import Profile
from pipeline.setting.scenarios import Scenario


RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunSpec:
    profile: Profile
    scenario: Scenario
    method: Method
    seed: int
    dataset: DatasetSpec
    custom: CustomParts = CustomParts()  # user model/physics/metrics: results kept apart

    @property
    def run_id(self) -> str:
        return f"{self.scenario.name}/{self.method.name}/seed{self.seed}"

    def config(self) -> dict:
        """Everything that determines the result; its hash identifies the run's version."""
        return {
            "profile": self.profile.as_config(),
            "scenario": self.scenario.as_config(),
            "method": {"name": self.method.name, "settings": self.method.settings,
                       "uses_ground_truth": self.method.uses_ground_truth},
            "dataset": self.dataset.as_config(),
            "final_step": self.profile.final_step,
            "seed": self.seed, "random_streams": streams.SCHEME,
            **({"custom": self.custom.as_config()} if self.custom else {}),
        }

    def config_hash(self) -> str:
        return storage.config_hash(self.config())

    def tables_dir(self, results_dir: Path) -> Path:
        """Where this run's tables go: the profile's, or its own for runs with custom parts."""
        base = Path(results_dir) / self.profile.name
        return storage.inside(results_dir, base / "custom" / self.custom.label if self.custom else base)

    def folder(self, results_dir: Path) -> Path:
        return self.results_folder(results_dir, "runs")

    def results_folder(self, results_dir: Path, kind: str) -> Path:
        """This run's folder among the ``kind`` (trained runs, or evaluated checkpoints) of its tables."""
        root = self.tables_dir(results_dir) / kind
        return storage.inside(root, root / self.scenario.name / self.method.name / f"seed{self.seed}")


class BrokenRun(UsageError):
    """A finished run folder whose files cannot be read back; the message names it and the fix."""

    def __init__(self, folder: Path, what: str):
        super().__init__(f"run folder {folder} is damaged: {what}; delete that folder and run the same "
                         "command again to redo the run")


def read_run(folder: Path) -> dict | None:
    """The record of a finished run, or None; ``BrokenRun`` if it is there but unreadable."""
    path = folder / RUN_FILE
    if not os.path.lexists(path):
        return None
    record = folder_json(folder, RUN_FILE)
    if not isinstance(record, dict) or "config_hash" not in record:
        raise BrokenRun(folder, f"{RUN_FILE} has no config_hash")
    check_config(folder, record["config_hash"])
    return record


def check_config(folder: Path, config_hash: str) -> None:
    """A finished run's config.json must be readable and be the config its record was made with."""
    config = folder_json(folder, "config.json")
    if not isinstance(config, dict) or config.get("config_hash") != config_hash:
        raise BrokenRun(folder, f"config.json is not the config of its {RUN_FILE} (config_hash differs)")


def folder_json(folder: Path, name: str) -> object:
    """A JSON file of a run folder, read through the gate (a regular file, bounded, not too deep);
    ``BrokenRun`` naming what is wrong."""
    try:
        return reading.load_json(folder / name)
    except FileNotFoundError:
        raise BrokenRun(folder, f"{name} is missing") from None
    except UsageError as error:
        raise BrokenRun(folder, f"{name} {str(error).split('; ')[0].removeprefix(f'{folder / name}: ')}") from None


def read_per_image(folder: Path, metrics: tuple[str, ...]) -> pd.DataFrame:
    """A finished run's per-image scores; ``BrokenRun`` if the table is missing or incomplete."""
    try:
        table = pd.read_csv(io.BytesIO(reading.read_bytes(folder / "per_image.csv", "table")))
    except UsageError as error:
        raise BrokenRun(folder, f"per_image.csv {str(error).split('; ')[0].split(': ', 1)[-1]}") from None
    except (OSError, ValueError, UnicodeDecodeError) as error:  # pandas' parser errors are ValueErrors
        raise BrokenRun(folder, f"per_image.csv cannot be read ({str(error).splitlines()[0]})") from None
    missing = [c for c in ("image_id", *metrics) if c not in table.columns]
    if missing:
        raise BrokenRun(folder, f"per_image.csv lacks column(s) {', '.join(missing)}")
    return table


def is_current(spec: RunSpec, results_dir: Path) -> bool:
    record = read_run(spec.folder(results_dir))
    return record is not None and record["config_hash"] == spec.config_hash()
