"""The embedded default dataset: 2D slices of the MNI ICBM152 T1 template shipped in nilearn.

The template (197x233x189, 1 mm, skull-stripped, one subject) is read offline from the
installed nilearn package. Slices in all three orientations with more than 20 % brain are
used. Neighbouring slices are near-copies, so the train/test split is made in blocks along
each axis: every fifth block of ``BLOCK`` slices is test, and training slices closer than
``GAP`` slices to a test slice are dropped. The profile then takes an evenly spread subset.

The template is the symmetric one: sagittal slice ``i`` and slice ``196 - i`` are the same
image (measured: relative difference 0), so only the sagittal slices of one side are used, the
midline included. That is split version 2, recorded in every run's config; version 1 used both
sides, so 6 of its 18 sagittal test slices were exact copies of training slices (it was retired
with the profiles that used it; git keeps them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from pipeline.setting.data.prepare import ImageSplit, even_subset, to_complex_image
from pipeline.base.errors import UsageError

TEMPLATE = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
MIN_BRAIN_FRACTION = 0.2
BLOCK = 8  # slices per block along an axis
TEST_EVERY = 5  # every fifth block is a test block
GAP = 3  # no training slice within this many slices of a test slice
ORIENTATIONS = ("sagittal", "coronal", "axial")  # volume axes 0, 1, 2
MIRRORED_AXIS = 0  # the template is left-right symmetric along this axis (sagittal slices)


def template_path() -> Path:
    """Path of the T1 template inside the installed nilearn package."""
    try:
        import nilearn
    except ImportError as err:  # pragma: no cover - nilearn is a dependency
        raise UsageError("the mni dataset needs nilearn: run `make install` (or pip install nilearn)") from err
    path = Path(nilearn.__file__).parent / "datasets" / "data" / TEMPLATE
    if not path.exists():
        raise UsageError(f"nilearn {nilearn.__version__} does not ship {TEMPLATE}; reinstall nilearn")
    return path


def load_volume() -> np.ndarray:
    import nibabel

    return np.asarray(nibabel.load(template_path()).dataobj, dtype=np.float32)


def split_indices(brain_fraction: np.ndarray, mirrored: bool = False) -> tuple[list[int], list[int]]:
    """Train and test slice indices along one axis, separated by at least ``GAP`` slices; along a
    ``mirrored`` axis, only the first half (up to the midline), whose mirror images the rest are."""
    candidates = np.flatnonzero(brain_fraction > MIN_BRAIN_FRACTION)
    if mirrored:
        candidates = candidates[candidates <= (len(brain_fraction) - 1) // 2]
    is_test = (candidates // BLOCK) % TEST_EVERY == TEST_EVERY - 1
    test = candidates[is_test]
    train = [int(i) for i in candidates[~is_test] if test.size == 0 or np.abs(test - i).min() > GAP]
    return train, [int(i) for i in test]


def oriented_slice(volume: np.ndarray, axis: int, index: int) -> np.ndarray:
    """Slice ``index`` along ``axis``, rotated so the top of the head is up (anterior for axial)."""
    return np.rot90(np.take(volume, index, axis=axis)).copy()


def split_ids(volume: np.ndarray) -> dict[str, list[tuple[int, int]]]:
    """Every (axis, slice) of the training and test splits, axis by axis."""
    ids: dict[str, list[tuple[int, int]]] = {"train": [], "test": []}
    for axis in range(3):
        brain = (np.moveaxis(volume, axis, 0) > 0).mean(axis=(1, 2))
        train, test = split_indices(brain, mirrored=axis == MIRRORED_AXIS)
        ids["train"] += [(axis, i) for i in train]
        ids["test"] += [(axis, i) for i in test]
    return ids


def mni_images(img_size: int, n_train: int | None, n_test: int | None) -> ImageSplit:
    volume = load_volume()
    ids = split_ids(volume)
    chosen = {
        "train": [ids["train"][k] for k in even_subset(len(ids["train"]), n_train)],
        "test": [ids["test"][k] for k in even_subset(len(ids["test"]), n_test)],
    }

    def stack(pairs: list[tuple[int, int]]) -> torch.Tensor:
        return torch.stack([to_complex_image(oriented_slice(volume, a, i), img_size) for a, i in pairs])

    def names(pairs: list[tuple[int, int]]) -> list[str]:
        return [f"{ORIENTATIONS[a]}:{i}" for a, i in pairs]

    return ImageSplit(stack(chosen["train"]), stack(chosen["test"]), names(chosen["train"]), names(chosen["test"]))
