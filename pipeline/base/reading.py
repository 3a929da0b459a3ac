"""Files read from a results folder, opened one way: the primitives of the gate
(``pipeline.analysis.gate``), here so that every reader uses them, the run folders' too.

A file must be a regular file: it is opened without waiting (a named pipe would block an
ordinary open) and checked on the open descriptor, so that what is read is what was checked. It
is read up to its limit (``LIMITS``), and any error of the file system is one line. JSON is
refused deeper than ``JSON_DEPTH`` levels before it is parsed.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import numpy as np

from pipeline.base.errors import UsageError

MiB = 2**20
# The paper profile (fastMRI brain, about 900 test slices, 56 runs per seed, 3 seeds) writes a
# per_image.csv of about 12 MB, one line of runs.csv is under 2 KB, the catalogue under 100 KB and a
# gallery array (3 images of 320x320, float16) 0.6 MB: each limit is about 10x that.
# A shipped weights file of the paper's model (8.6 M parameters) is about 35 MB.
LIMITS = {"table": 128 * MiB, "line": 64 * 1024, "json": 4 * MiB, "array": 8 * MiB, "weights": 512 * MiB}
JSON_DEPTH = 64  # a catalogue nests 4 levels; Python's own parser gives up (RecursionError) near 1,000
FIX = "replace the results folder by a trusted copy, or run `make collect` to write its tables again"


def refuse(path: Path, what: str) -> UsageError:
    return UsageError(f"{path}: {what}; {FIX}")


KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def kind(mode: int) -> str:
    return next((name for test, name in KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path, limit: str) -> bytes:
    """The bytes of a file of a results folder, at most ``LIMITS[limit]``. It is opened without
    waiting (a named pipe would block an ordinary open) and checked on the open descriptor, so
    what is read is what was checked: a folder, a pipe, a socket or a device is refused, and so
    is any error of the file system, each in one line. A missing file raises FileNotFoundError
    for the caller to say what would write it."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise refuse(path, f"cannot be opened ({error.strerror or type(error).__name__})") from None
    try:
        check_found(path, os.fstat(fd), limit)
    except UsageError:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(LIMITS[limit] + 1)
        except OSError as error:
            raise refuse(path, f"cannot be read ({error.strerror or type(error).__name__})") from None
    if len(data) > LIMITS[limit]:  # grown since it was checked
        raise refuse(path, f"more than the limit of {LIMITS[limit] / MiB:.0f} MiB for a {limit} file")
    return data


def check_size(path: Path, limit: str) -> None:
    """A file that is copied, not read (a weights file): a regular file within its limit."""
    try:
        found = os.stat(path)
    except OSError as error:
        raise refuse(path, f"cannot be read ({error.strerror or type(error).__name__})") from None
    check_found(path, found, limit)


def check_found(path: Path, found: os.stat_result, limit: str) -> None:
    """Refuse what ``found`` (a stat of ``path``) says is not a regular file within ``LIMITS[limit]``."""
    if not stat.S_ISREG(found.st_mode):
        raise refuse(path, f"is {kind(found.st_mode)} where a file belongs")
    if found.st_size > LIMITS[limit]:
        raise refuse(path, f"{found.st_size / MiB:.1f} MiB, more than the limit of {LIMITS[limit] / MiB:.0f} MiB "
                           f"for a {limit} file")


STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def load_json(path: Path) -> object:
    """A JSON file of a results folder, parsed: within the size limit, UTF-8, valid and at most
    ``JSON_DEPTH`` levels deep (counted on the text with its strings taken out, before parsing)."""
    data = read_bytes(path, "json")
    bare = np.frombuffer(STRINGS.sub(b'""', data), np.uint8)
    steps = np.isin(bare, (ord("["), ord("{"))).astype(np.int64) - np.isin(bare, (ord("]"), ord("}")))
    if len(steps) and int(np.cumsum(steps).max()) > JSON_DEPTH:
        raise refuse(path, f"is JSON nested deeper than {JSON_DEPTH} levels")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise refuse(path, f"is not valid JSON ({str(error)[:80] or type(error).__name__})") from None
