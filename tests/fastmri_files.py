"""Write small synthetic fastMRI brain multicoil files in the real HDF5 layout (after fastMRI's
``tests/create_temp_data.py``): ``kspace`` (slices, coils, H, W) complex64,
``reconstruction_rss`` (slices, 320, 320) float32, the ``ismrmrd_header`` dataset and the usual
attributes. Each slice of the RSS volume carries its slice index, so tests can tell which slice
was read.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


def phantom(size: int, slice_index: int, rng: np.random.Generator) -> np.ndarray:
    """An ellipse whose brightness encodes the slice index, plus a little texture."""
    yy, xx = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]
    inside = (xx / 0.7) ** 2 + (yy / 0.85) ** 2 < 1
    return (inside * (1.0 + slice_index) + 0.05 * rng.random((size, size))).astype(np.float32)


def write_volume(path: Path, n_slices: int = 5, coils: int = 4, kspace_shape=(64, 48),
                 with_rss: bool = True, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    kspace = (rng.standard_normal((n_slices, coils, *kspace_shape))
              + 1j * rng.standard_normal((n_slices, coils, *kspace_shape))).astype(np.complex64)
    with h5py.File(path, "w") as f:
        f.create_dataset("kspace", data=kspace)
        if with_rss:
            rss = np.stack([phantom(320, s, rng) for s in range(n_slices)])
            f.create_dataset("reconstruction_rss", data=rss)
            f.attrs["max"] = float(rss.max())
            f.attrs["norm"] = float(np.linalg.norm(rss))
        f.create_dataset("ismrmrd_header", data=np.bytes_(b"<ismrmrdHeader></ismrmrdHeader>"))
        f.attrs["acquisition"] = "AXT2"
        f.attrs["patient_id"] = f"synthetic-{seed}"


def write_folder(folder: Path, n_volumes: int = 5, **kwargs) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"file_brain_AXT2_{i:03d}.h5" for i in range(n_volumes)]
    for i, path in enumerate(paths):
        write_volume(path, seed=i, **kwargs)
    return paths
