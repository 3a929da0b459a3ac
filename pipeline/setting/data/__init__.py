"""Ground-truth data: the embedded MNI template, fastMRI files, or a user's dataset.

``DatasetSpec`` names the data of a run; ``load_images`` turns an image dataset (mni, fastmri)
into a train/test ``ImageSplit``; a custom dataset already holds measurements and is read by
``pipeline.setting.data.custom``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.setting.data.prepare import ImageSplit
from pipeline.base.errors import UsageError
from pipeline.base.imports import import_object

BUILTIN = ("mni", "fastmri")


@dataclass(frozen=True)
class DatasetSpec:
    """Which data a run uses: ``mni``, ``fastmri`` (with ``data_dir``) or ``module:attr`` (custom).

    A custom dataset is imported once, when its spec is made: a wrong path fails before any run,
    and a run never imports it again."""

    name: str
    data_dir: str | None = None
    source: object = field(init=False, default=None, compare=False, repr=False)  # what a custom path names

    def __post_init__(self):
        if self.is_custom:
            object.__setattr__(self, "source", import_object(self.name, "custom dataset"))

    @property
    def is_custom(self) -> bool:
        return ":" in self.name

    @classmethod
    def parse(cls, name: str, data_dir: str | None) -> "DatasetSpec":
        if name not in BUILTIN and ":" not in name:
            raise UsageError(
                f"unknown dataset '{name}'; choose one of: {', '.join(BUILTIN)}, "
                "or a custom dataset as 'package.module:ClassOrFactory'"
            )
        if name == "fastmri":
            if not data_dir:
                raise UsageError(
                    "the fastmri dataset needs its folder: pass --data-dir /path/to/fastmri_brain_multicoil "
                    "(with make: DATA=/path/to/fastmri_brain_multicoil)"
                )
            path = Path(data_dir).expanduser().resolve()
            if path.is_file():
                raise UsageError(f"--data-dir '{data_dir}' is a file, not a folder; pass the folder that holds the fastMRI .h5 files")
            if not path.is_dir():
                raise UsageError(f"fastMRI folder '{data_dir}' does not exist; pass --data-dir with a folder of .h5 files")
            return cls(name, str(path))
        if data_dir:
            raise UsageError(f"--data-dir (make: DATA=) is read only by the fastmri dataset, not by '{name}'; "
                             "add --dataset fastmri (make: DATASET=fastmri) or leave --data-dir out")
        return cls(name, None)

    def as_config(self) -> dict:
        return {"name": self.name, "data_dir": self.data_dir}


def load_images(spec: DatasetSpec, img_size: int, n_train: int | None, n_test: int | None, cache_dir: Path) -> ImageSplit:
    """Train/test ground-truth images (N, 2, H, W) of a built-in dataset."""
    if spec.name == "mni":
        from pipeline.setting.data.mni import mni_images

        return mni_images(img_size, n_train, n_test)
    from pipeline.setting.data.fastmri import fastmri_images

    return fastmri_images(Path(spec.data_dir), img_size, n_train, n_test, cache_dir)
