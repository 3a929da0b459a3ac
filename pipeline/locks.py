"""Advisory file locks, so that two benchmarks on one results folder never do the same work at once.

``flock`` locks belong to the open file: the kernel drops them when the process ends, even on
SIGKILL, so a crashed process never leaves a lock behind. (On network file systems flock may
not be shared between machines: give each machine's benchmark its own results folder there.)
"""

from __future__ import annotations

import fcntl
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def exclusive(path: Path, waiting: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing); print ``waiting`` if we must wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(waiting, file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
