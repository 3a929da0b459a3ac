"""fastMRI brain multicoil files: the middle slice of each volume as a ground-truth image.

Each ``.h5`` file holds ``kspace`` (slices, coils, H, W) complex and, in the train/val
releases, ``reconstruction_rss`` (slices, 320, 320). The target is the RSS image of the middle
slice (computed from ``kspace`` when the file has no ``reconstruction_rss``), centre-cropped to
a square and resized to the profile's size, scaled to [0, 1]. Volumes are split 80/20 at
random with seed 0 exactly as SSIBench does (``volume_split``). Slices are cached after the first read, keyed by the
files' names, sizes and modification times.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import numpy as np
import torch
from torch.utils.data import random_split

from pipeline.base import storage
from pipeline.setting.data.prepare import ImageSplit, centre_crop_or_pad, even_subset, to_complex_image
from pipeline.base.errors import UsageError

SPLIT = (0.8, 0.2)  # SSIBench's random_split fractions, written as it writes them (1 - 0.8 != 0.2)
RSS_SIZE = 320  # fastMRI's reconstruction_rss is centre-cropped to 320 x 320


def rss_from_kspace(kspace: np.ndarray) -> np.ndarray:
    """Root-sum-of-squares image of one multicoil k-space slice (coils, H, W), cropped to 320²."""
    coils = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))
    rss = np.sqrt((np.abs(coils) ** 2).sum(axis=0))
    return centre_crop_or_pad(rss, min(RSS_SIZE, rss.shape[0]), min(RSS_SIZE, rss.shape[1]))


def middle_slice(path: Path) -> np.ndarray:
    """The RSS magnitude of the middle slice of one volume."""
    try:
        with h5py.File(path, "r") as f:
            if "kspace" not in f:
                raise UsageError(f"fastMRI file {path} has no 'kspace' dataset (it has: {', '.join(f) or 'nothing'}); "
                                 "is it a fastMRI brain multicoil file? Remove or replace it")
            if "reconstruction_rss" in f:
                volume = f["reconstruction_rss"]
                return np.asarray(volume[volume.shape[0] // 2])
            kspace = f["kspace"]
            return rss_from_kspace(np.asarray(kspace[kspace.shape[0] // 2]))
    except (OSError, KeyError, ValueError) as err:
        raise UsageError(f"cannot read fastMRI file {path}: {err}; remove or replace it") from err


def volume_split(n: int) -> tuple[list[int], list[int]]:
    """Indices of the training and test volumes: SSIBench's ``random_split(dataset, (0.8, 0.2))``
    with a generator seeded 0, so the same sizes (floors, the remainder given to the first
    split: 8 volumes -> 7/1) and the same shuffle."""
    with warnings.catch_warnings():  # an empty split is reported by the caller, in one line
        warnings.simplefilter("ignore", UserWarning)
        train, test = random_split(range(n), SPLIT, generator=torch.Generator().manual_seed(0))
    return list(train), list(test)


def fastmri_images(folder: Path, img_size: int, n_train: int | None, n_test: int | None, cache_dir: Path) -> ImageSplit:
    files = sorted(folder.glob("*.h5"))
    if not files:
        raise UsageError(f"no .h5 files in fastMRI folder {folder}; point --data-dir (DATA=) at fastMRI brain multicoil files")
    signature = {"folder": str(folder), "img_size": img_size,
                 "files": [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]}
    cache = cache_dir / "data" / f"fastmri-{storage.config_hash(signature)}.pt"
    slices = storage.read_cache(cache, "fastMRI slice cache") if cache.exists() else None
    if not isinstance(slices, dict) or not {"images", "ids"} <= set(slices):
        images = [to_complex_image(middle_slice(f), img_size, square="crop") for f in files]
        slices = {"images": torch.stack(images), "ids": [f.stem for f in files]}
        storage.atomic(cache, lambda tmp: torch.save(slices, tmp))

    train_all, test_all = volume_split(len(files))
    if not train_all or not test_all:
        raise UsageError(f"fastMRI folder {folder} has {len(files)} volume(s): SSIBench's 80/20 split leaves no test "
                         "volume below 5; add volumes (at least 5)")
    train = [train_all[k] for k in even_subset(len(train_all), n_train)]
    test = [test_all[k] for k in even_subset(len(test_all), n_test)]
    return ImageSplit(
        slices["images"][train], slices["images"][test],
        [slices["ids"][i] for i in train], [slices["ids"][i] for i in test],
    )
