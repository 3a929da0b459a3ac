"""A user's dataset of measurements, named by import path: ``--dataset my_pkg.module:MyDataset``.

The attribute is a ``torch.utils.data.Dataset`` class or a factory called with no argument.
Items follow the seed README / deepinv form: ``(x, y, params)`` or ``(nan, y, params)``, or a
dict with keys ``x`` (optional), ``y`` and ``params``. ``x`` is a (2, H, W) real/imaginary
image, ``params`` holds at least the ``mask`` used to acquire ``y``. The data are split 80/20
at random with seed 0 (SSIBench's split); test items need ground truth for the metrics.
"""

from __future__ import annotations

import torch
from deepinv.datasets.base import batch_as_dict
from torch.utils.data import Dataset

from pipeline.base.errors import UsageError
from pipeline.base.imports import raised
from pipeline.setting.data import DatasetSpec

TRAIN_FRACTION = 0.8


def open_dataset(path: str, obj: object) -> Dataset:
    """The dataset ``obj`` (imported from PATH) is, or makes when called with no argument."""
    try:
        dataset = obj() if callable(obj) and not isinstance(obj, Dataset) else obj
    except Exception as err:
        raise UsageError(f"custom dataset {path} raised {raised(err)} when called with no arguments") from err
    if not isinstance(dataset, Dataset) or not hasattr(dataset, "__len__"):
        raise UsageError(f"custom dataset '{path}' gave a {type(dataset).__name__}; expected a torch.utils.data.Dataset "
                         "with __len__ and __getitem__")
    if len(dataset) < 2:
        raise UsageError(f"custom dataset '{path}' has {len(dataset)} item(s); at least 2 are needed for a train/test split")
    return dataset


def load_item(path: str, dataset: Dataset, i: int) -> dict:
    try:
        return batch_as_dict(dataset[i])  # (nan, y, params) -> no "x" key, as in deepinv
    except Exception as err:
        raise UsageError(f"custom dataset {path} raised {raised(err)} while loading item {i}") from err


def check_like_first(path: str, item: dict, first: dict, i: int) -> None:
    """Every item has the first one's shapes (they are stacked), and a finite ground truth."""
    def shapes(it: dict) -> dict:
        with_x = "x" in it and "x" in first  # items without ground truth are allowed among the others
        return {"y": tuple(it["y"].shape), **({"x": tuple(it["x"].shape)} if with_x else {}),
                **{f"params[{k}]": tuple(v.shape) for k, v in it["params"].items() if isinstance(v, torch.Tensor)}}
    if i > 0 and shapes(item) != shapes(first):
        raise UsageError(f"custom dataset '{path}': item {i} has shapes {shapes(item)} but item 0 has {shapes(first)}; "
                         "every item must have the same shapes")
    if "x" in item and not torch.isfinite(item["x"]).all():
        raise UsageError(f"custom dataset '{path}': the ground truth x of item {i} has NaN or infinite values; "
                         "return (nan, y, params) for an item without ground truth, or fix the image")


def check_item(path: str, item: dict) -> None:
    """Raise a UsageError saying what was expected when an item has the wrong form."""
    expected = "items (x, y, params) with x a float (2, H, W) tensor or nan, y a tensor and params a dict with a 'mask' tensor"
    y, x, params = item.get("y"), item.get("x"), item.get("params")
    if not isinstance(y, torch.Tensor) or not y.is_floating_point():
        raise UsageError(f"custom dataset '{path}': y is {type(y).__name__} {getattr(y, 'dtype', '')}; expected {expected}")
    if x is not None and (not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[0] != 2 or not x.is_floating_point()):
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise UsageError(f"custom dataset '{path}': x has shape/type {shape}; expected {expected}")
    if not isinstance(params, dict) or not isinstance(params.get("mask"), torch.Tensor):
        raise UsageError(f"custom dataset '{path}': params is {params!r:.60}; expected {expected}")


def custom_splits(spec: DatasetSpec) -> tuple[dict, dict]:
    """The train and test splits of a user's dataset of measurements, each as the fields of a
    ``pipeline.setting.measurements.MeasuredSplit`` (y, params, x, ids), checked item by item."""
    path = spec.name
    dataset = open_dataset(path, spec.source)
    items = []
    for i in range(len(dataset)):
        item = load_item(path, dataset, i)
        check_item(path, item)
        check_like_first(path, item, items[0] if items else item, i)
        items.append(item)
    order = torch.randperm(len(items), generator=torch.Generator().manual_seed(0)).tolist()
    n_train = max(1, min(len(items) - 1, int(round(TRAIN_FRACTION * len(items)))))
    train, test = [items[i] for i in order[:n_train]], [items[i] for i in order[n_train:]]
    if any("x" not in it for it in test):
        raise UsageError(f"custom dataset '{path}': test items need ground truth x for PSNR/SSIM; return (x, y, params) for every item")

    def stack(split: list[dict], indices: list[int]) -> dict:
        has_x = all("x" in it for it in split)
        return {
            "y": torch.stack([it["y"] for it in split]),
            "params": {k: torch.stack([it["params"][k] for it in split]) for k in split[0]["params"]},
            "x": torch.stack([it["x"] for it in split]) if has_x else None,
            "ids": [str(i) for i in indices],
        }

    return stack(train, order[:n_train]), stack(test, order[n_train:])
