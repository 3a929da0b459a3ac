"""No code from a pickle: every file the benchmark loads with torch is read as tensors only.

A crafted checkpoint, measurement cache or fastMRI slice cache carries an object whose
unpickling would create a marker file. It must never run: not by default, and not when the
environment sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (then the load is refused in one line).
"""

from __future__ import annotations

import pytest
import torch

from pipeline.base import storage
from pipeline.cli import main
from pipeline.setting.data import DatasetSpec
from pipeline.setting.data.fastmri import fastmri_images
from pipeline.base.errors import UsageError
from pipeline.setting.measurements import cache_path, load_measurements
from pipeline.setting.profiles import PROFILES
from pipeline.setting.scenarios import SCENARIOS
from tests.fastmri_files import write_folder

SMOKE = PROFILES["smoke"]


class RunsCode:
    """Unpickling this creates ``marker``: what an attacker's payload would do instead."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def craft(path, marker) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": RunsCode(marker), "train": RunsCode(marker), "images": RunsCode(marker)}, path)


def crafted_checkpoint(tmp_path):
    crafted = tmp_path / "crafted.pt"
    craft(crafted, tmp_path / "marker")
    return lambda: main(["evaluate", "--profile", "smoke", "--scenario", "mri", "--checkpoint", str(crafted),
                         "--results-dir", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache"), "--quiet"])


def crafted_measurement_cache(tmp_path):
    spec = DatasetSpec("mni")
    load_measurements(SMOKE, SCENARIOS["mri"], spec, 0, tmp_path / "cache")
    craft(cache_path(tmp_path / "cache", SMOKE, SCENARIOS["mri"], spec, 0), tmp_path / "marker")
    return lambda: load_measurements(SMOKE, SCENARIOS["mri"], spec, 0, tmp_path / "cache")


def crafted_fastmri_cache(tmp_path):
    write_folder(tmp_path / "fm", n_volumes=5, n_slices=3, kspace_shape=(24, 24))
    fastmri_images(tmp_path / "fm", 8, None, None, tmp_path / "cache")
    (cached,) = (tmp_path / "cache" / "data").glob("fastmri-*.pt")
    craft(cached, tmp_path / "marker")
    return lambda: fastmri_images(tmp_path / "fm", 8, None, None, tmp_path / "cache")


CRAFTED = {"checkpoint": crafted_checkpoint, "measurement-cache": crafted_measurement_cache,
           "fastmri-cache": crafted_fastmri_cache}


@pytest.mark.parametrize("file", list(CRAFTED))
def test_a_crafted_pickle_never_runs_code(file, tmp_path, capsys):
    CRAFTED[file](tmp_path)()
    assert not (tmp_path / "marker").exists()
    err = capsys.readouterr().err
    assert "is damaged" in err or "is not a checkpoint of this benchmark" in err  # a cache is made again


@pytest.mark.parametrize("value", ["1", "true"])
@pytest.mark.parametrize("file", list(CRAFTED))
def test_loading_is_refused_while_the_environment_forces_unpickling(file, value, tmp_path, capsys, monkeypatch):
    load = CRAFTED[file](tmp_path)
    monkeypatch.setenv(storage.FORCE_UNPICKLING, value)
    if file == "checkpoint":
        assert load() == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
    else:
        with pytest.raises(UsageError) as refused:
            load()
        line = str(refused.value)
        assert "\n" not in line
    assert f"{storage.FORCE_UNPICKLING} is set" in line and f"unset {storage.FORCE_UNPICKLING}" in line
    assert not (tmp_path / "marker").exists()
