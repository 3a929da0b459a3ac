"""A results folder is untrusted input: it arrives by e-mail or download, and anyone may edit it.

Every reader of a results folder goes through this gate first, and every refusal is one line
that names the file (and the row) and what to do:

- a symbolic link that leaves the folder is refused (``check_links``);
- every file is read through ``read_bytes``: it must be a regular file (a folder, a named pipe, a
  socket or a device where a file belongs is refused, and a pipe is never waited on), no larger
  than its limit (``LIMITS``, about 10x what the ``paper`` profile writes), and any error of the
  file system (a name too long, no permission) is one line; a table line longer than its limit
  is refused before the table is parsed;
- JSON is refused deeper than ``JSON_DEPTH`` levels before it is parsed (``load_json``);
- every name read from a table is checked with the rule that registration uses
  (``pipeline.base.names``): profiles, scenarios, methods, the method a variant varies, metric
  columns; a seed must be a non-negative integer, an epoch a positive one, and a score or cost a
  number (NaN for a run that diverged; never infinite) (``read_table``);
- a gallery's arrays are opened without pickles, their dtype and shape checked from the ``.npy``
  headers before anything is decompressed: every dimension positive, an image's sides within
  ``IMAGE_SIDES`` (which bounds the enlarged picture the site draws, too), at most
  ``GALLERY_IMAGES`` images, and exactly the bytes the header promises (``read_gallery``);
- a shipped weights file must be named ``seed<k>.pt`` (``WEIGHTS_NAME``).

The catalogue's own checks (names, types, and its agreement with the tables) are in
``pipeline.analysis.catalogue`` and ``pipeline.analysis.leaderboard``.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.base.errors import UsageError
from pipeline.base.reading import FIX, LIMITS, MiB, read_bytes, refuse
from pipeline.base.names import NAME, RULE, check_name
from pipeline.base.tables import read_csv

GALLERY_ARRAYS = {"image": ({"int64"}, 1), "recon": ({"float16", "float32"}, 3), "target": ({"float16", "float32"}, 3)}
NAME_COLUMNS = {"profile": "profile", "scenario": "scenario", "method": "method"}
OPTIONAL_NAME_COLUMNS = {"variant_of": "method"}
NUMBER_COLUMNS = ("psnr", "ssim", "psnr_ci_low", "psnr_ci_high", "ssim_ci_low", "ssim_ci_high", "n_test", "n_train",
                  "img_size", "epochs", "train_seconds", "eval_seconds", "n_params", "peak_memory_mb", "threads",
                  "images", "loss", "image", "curve_seconds")
GALLERY_IMAGES = 16
IMAGE_SIDES = (8, 1024)  # pixels: at least the site's enlargement to 256 px is at most 32x, so at most 32,768 px wide
WEIGHTS_NAME = re.compile(r"seed(0|[1-9][0-9]{0,8})\.pt")
UNREADABLE = (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError)  # what a damaged .npz raises
HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def check_links(root: Path) -> None:
    """Refuse any symbolic link under ``root`` whose target lies outside it."""
    real_root = Path(os.path.realpath(root))
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink():
                target = Path(os.path.realpath(path))
                if target != real_root and real_root not in target.parents:
                    raise refuse(path, f"a symbolic link to {target}, outside {root}")


def check_lines(path: Path, data: bytes) -> None:
    """Refuse a line longer than the limit (found from the newlines' positions, not by splitting)."""
    breaks = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))
    edges = np.concatenate([[-1], breaks, [len(data)]])
    if len(data) and int(np.diff(edges).max()) - 1 > LIMITS["line"]:
        raise refuse(path, f"a line longer than the limit of {LIMITS['line'] // 1024} KiB")


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A result table, checked: size, lines, required columns, names, seeds, epochs and numbers."""
    path = Path(path)
    try:
        data = read_bytes(path, "table")
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: run `make collect PROFILE={path.parent.name}`") from None
    check_lines(path, data)
    try:
        table = read_csv(io.BytesIO(data))
    except (ValueError, UnicodeDecodeError) as error:  # empty, binary or broken CSV (parser errors are ValueErrors)
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise UsageError(f"{path} cannot be read ({reason}): run `make collect PROFILE={path.parent.name}` again") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise UsageError(f"{path} lacks column(s) {', '.join(missing)}: re-run `make collect PROFILE={path.parent.name}`")
    check_cells(path, table, columns)
    return table


def check_cells(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    keys = [c for c in ("profile", "scenario", "method", "seed") if c in table.columns]
    if table[keys].isna().any(axis=None):  # a table cut inside its last row: say so, not "bad name nan"
        raise UsageError(f"{path} has rows cut short: the tables in {path.parent} are incomplete; "
                         f"run `make collect PROFILE={path.parent.name}` again")
    for column in table.columns:
        if column not in columns and column not in NUMBER_COLUMNS:  # a metric of the user's, or its CI
            check_name(str(column).removesuffix("_ci_low").removesuffix("_ci_high"), "metric column", f"in {path}")
    for column, what in {**NAME_COLUMNS, **OPTIONAL_NAME_COLUMNS}.items():
        if column not in table.columns:
            continue
        for row, value in enumerate(table[column], start=2):
            if column in OPTIONAL_NAME_COLUMNS and (value == "" or (isinstance(value, float) and math.isnan(value))):
                continue
            check_name(value, what, f"in {path}, line {row}")
    for column, least in (("seed", 0), ("epoch", 1)):
        if column in table.columns:
            for row, value in enumerate(table[column], start=2):
                if not is_integer(value) or int(value) < least or int(value) > 10**9:
                    raise refuse(path, f"line {row}: {column} {str(value)[:40]!r} is not an integer from {least}")
    for column in table.columns:
        if column in NUMBER_COLUMNS or column not in columns:
            numbers = pd.to_numeric(table[column], errors="coerce")
            bad = (numbers.isna() & table[column].notna()) | np.isinf(numbers.fillna(0))
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise refuse(path, f"line {row}: {column} {str(table[column].iloc[row - 2])[:40]!r} is not a finite number")
            table[column] = numbers


def is_integer(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer()


def read_gallery(path: Path) -> dict[str, np.ndarray]:
    """A run's ``gallery.npz``: exactly the arrays it should hold, each of its dtype and rank and
    within the size limit, read from the ``.npy`` headers before any array is decompressed, then
    loaded without pickles; the image count agrees across arrays."""
    data = read_bytes(path, "array")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            headers = {}
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                if name not in GALLERY_ARRAYS:
                    raise refuse(path, f"an unexpected array {name[:40]!r}")
                if info.file_size > LIMITS["array"]:
                    raise refuse(path, f"array {name} is {info.file_size / MiB:.0f} MiB decompressed, more than "
                                       f"{LIMITS['array'] / MiB:.0f} MiB")
                with archive.open(info) as f:
                    read_header = HEADER_READERS.get(np.lib.format.read_magic(f))
                    if read_header is None:
                        raise refuse(path, f"array {name} has an .npy format version this reader does not accept")
                    shape, _, dtype = read_header(f)
                    if dtype.hasobject or any(not isinstance(n, int) or n <= 0 for n in shape):
                        raise refuse(path, f"array {name} is {dtype} of shape {shape}: every dimension must be "
                                           "positive and no object may be stored")
                    if info.file_size != f.tell() + math.prod(shape) * dtype.itemsize:
                        raise refuse(path, f"array {name} holds {info.file_size - f.tell()} bytes, not the "
                                           f"{math.prod(shape) * dtype.itemsize} its header {shape} {dtype} says")
                headers[name] = (shape, dtype)
    except UNREADABLE as error:
        raise refuse(path, f"not a gallery archive ({str(error)[:80] or type(error).__name__})") from None
    for name, (dtypes, rank) in GALLERY_ARRAYS.items():
        if name not in headers:
            raise refuse(path, f"no array {name}")
        shape, dtype = headers[name]
        if dtype.name not in dtypes or dtype.hasobject or len(shape) != rank:
            raise refuse(path, f"array {name} is {dtype} of shape {shape}, not {'/'.join(sorted(dtypes))} of rank {rank}")
        if math.prod(shape) * dtype.itemsize > LIMITS["array"]:
            raise refuse(path, f"array {name} of shape {shape} is larger than {LIMITS['array'] / MiB:.0f} MiB")
    counts = {headers[name][0][0] for name in GALLERY_ARRAYS}
    if len(counts) != 1 or counts.pop() > GALLERY_IMAGES:
        raise refuse(path, f"its arrays hold different numbers of images, or more than {GALLERY_IMAGES}")
    low, high = IMAGE_SIDES
    for name in ("recon", "target"):
        if not all(low <= side <= high for side in headers[name][0][1:]):
            raise refuse(path, f"array {name} of shape {headers[name][0]} has image sides outside {low}-{high} pixels")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return {name: arrays[name] for name in GALLERY_ARRAYS}
    except UNREADABLE as error:
        raise refuse(path, f"not a gallery archive ({str(error)[:80] or type(error).__name__})") from None


def check_folder_name(folder: Path, what: str) -> str:
    """A folder whose name becomes part of the site (a profile, a custom label): the name rule."""
    if not NAME.fullmatch(folder.name):
        raise UsageError(f"{folder}: the {what} folder's name {folder.name[:60]!r} is not allowed (a name must be "
                         f"{RULE}); rename or remove that folder")
    return folder.name
