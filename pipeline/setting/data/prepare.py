"""Shared image handling: square resize, [0, 1] scaling, complex (2, H, W) layout, even subsets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class ImageSplit:
    """Ground-truth images as (N, 2, H, W) float32 (real, imaginary = 0), with a name per image."""

    train: torch.Tensor
    test: torch.Tensor
    train_ids: list[str]
    test_ids: list[str]


def centre_crop_or_pad(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Centre-crop or zero-pad a 2D array to (height, width)."""
    out = np.zeros((height, width), dtype=img.dtype)
    h, w = img.shape
    src_r, dst_r = max((h - height) // 2, 0), max((height - h) // 2, 0)
    src_c, dst_c = max((w - width) // 2, 0), max((width - w) // 2, 0)
    rows, cols = min(h, height), min(w, width)
    out[dst_r:dst_r + rows, dst_c:dst_c + cols] = img[src_r:src_r + rows, src_c:src_c + cols]
    return out


def to_complex_image(img: np.ndarray, size: int, square: str = "pad") -> torch.Tensor:
    """A magnitude slice as a (2, size, size) tensor scaled to [0, 1], imaginary part 0.

    ``square="pad"`` zero-pads to a square (keeps the whole field of view, for the template);
    ``square="crop"`` centre-crops to a square (fastMRI's convention). Then an antialiased
    resize to ``size`` if needed, and per-image min-max scaling as in SSIBench.
    """
    side = max(img.shape) if square == "pad" else min(img.shape)
    img = centre_crop_or_pad(img.astype(np.float32), side, side)
    t = torch.from_numpy(img)[None, None]
    if side != size:
        t = F.interpolate(t, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    t = t[0, 0]
    t = (t - t.min()) / (t.max() - t.min()).clamp_min(1e-12)
    return torch.stack([t, torch.zeros_like(t)])


def even_subset(n_available: int, n_wanted: int | None) -> np.ndarray:
    """Indices of ``n_wanted`` items spread evenly over ``n_available`` (all if None or too many)."""
    if n_wanted is None or n_wanted >= n_available:
        return np.arange(n_available)
    return np.unique(np.linspace(0, n_available - 1, n_wanted).round().astype(int))
