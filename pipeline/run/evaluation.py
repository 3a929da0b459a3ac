"""Scoring a reconstruction network on a test split: per-image metrics and a few reconstructions."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from deepinv.loss.metric import PSNR, SSIM

from pipeline.setting.imported import NamedMetric
from pipeline.setting.measurements import MeasuredSplit
from pipeline.setting.profiles import Profile
from pipeline.base.tables import write_rows


def evaluate_into(out: Path, model, physics, test: MeasuredSplit, profile: Profile, device,
                  metrics: list[NamedMetric] = ()) -> dict:
    """Score the test split, write per_image.csv and gallery.npz; returns the record's metrics."""
    start = time.perf_counter()
    per_image, gallery = evaluate(model, physics, test, profile.batch_size, device, profile.n_gallery, metrics)
    write_rows(out / "per_image.csv", per_image)  # image ids made safe for spreadsheets
    np.savez_compressed(out / "gallery.npz", **gallery)
    names = [k for k in per_image[0] if k not in ("image", "image_id")]
    return {**{name: float(np.mean([r[name] for r in per_image])) for name in names},
            "eval_seconds": round(time.perf_counter() - start, 3), "finished_at": now()}


def evaluate(model, physics, test: MeasuredSplit, batch_size: int, device, n_gallery: int,
             metrics: list[NamedMetric] = ()):
    """PSNR and SSIM of the magnitude image (and any custom metrics), per test image, and the
    first reconstructions."""
    psnr, ssim = PSNR(complex_abs=True), SSIM(complex_abs=True)
    rows, recons = [], []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(test), batch_size):
            index = slice(start, start + batch_size)
            y, x = test.y[index].to(device), test.x[index].to(device)
            physics.update(**{k: v.to(device) for k, v in test.params_of(index).items()})
            x_net = model(y, physics)
            for k, (p, s) in enumerate(zip(psnr(x_net, x).tolist(), ssim(x_net, x).tolist())):
                rows.append({"image": start + k, "image_id": test.ids[start + k], "psnr": p, "ssim": s})
            for metric in metrics:
                for row, value in zip(rows[start:], metric.per_image(x_net, x)):
                    row[metric.name] = value
            if len(recons) < n_gallery:
                recons.extend(magnitude(x_net)[: n_gallery - len(recons)])
    n = len(recons)
    gallery = {
        "image": np.arange(n), "recon": np.stack(recons).astype(np.float16),
        "target": np.stack(magnitude(test.x[:n])).astype(np.float16),
    } if n else {}
    return rows, gallery


def magnitude(x: torch.Tensor) -> list[np.ndarray]:
    return list(x.detach().cpu().pow(2).sum(dim=1).sqrt().numpy())


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
