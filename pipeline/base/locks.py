"""Advisory file locks, so that two benchmarks on one results folder never do the same work at once.

``flock`` locks belong to the open file: the kernel drops them when the process ends, even on
SIGKILL, so a crashed process never leaves a lock held. The holder deletes the lock file before
it lets go, so none is left lying around; a process that was waiting on the deleted file sees
that the path no longer names the file it locked and starts again on a fresh one. (On network
file systems flock may not be shared between machines: give each machine's benchmark its own
results folder there.)
"""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def exclusive(path: Path, waiting: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing); print ``waiting`` if we must wait."""
    said = False
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(path, "a")
        except FileNotFoundError:  # the folder was pruned between mkdir and open: again
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not said:
                    print(waiting, file=sys.stderr, flush=True)
                    said = True
                fcntl.flock(handle, fcntl.LOCK_EX)
            if not names_file(path, handle):  # the holder we waited for deleted it: lock a fresh one
                continue
            try:
                yield
            finally:
                path.unlink(missing_ok=True)  # while still held, so nobody can lock this file after us
                fcntl.flock(handle, fcntl.LOCK_UN)
            return


def names_file(path: Path, handle) -> bool:
    """Whether ``path`` still names the open file ``handle`` (not deleted nor replaced)."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False
