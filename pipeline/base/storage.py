"""Atomic file writes, kept inside their folder: a reader (or a killed writer) never sees a half-written file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from pipeline.base.errors import UsageError
from pipeline.base.names import RULE


def inside(root: Path, path: Path) -> Path:
    """``path``, once checked to lie inside ``root``: a name that escapes its folder (``..``, ``/``)
    never makes the benchmark write elsewhere. The check is on the paths as written (made absolute,
    ``..`` collapsed), not on symbolic links, so a results or cache folder may link to another disk."""
    if Path(os.path.abspath(root)) not in Path(os.path.abspath(path)).parents:
        raise UsageError(f"refusing to write {path}: it lies outside {root}; a scenario, method or custom part "
                         f"has a name that leaves its folder, and names must be {RULE}")
    return Path(path)


def atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to ``.NAME.PID-XXXX.tmp`` beside ``path``, then rename it over ``path``.

    A writer killed before the rename leaves ``path`` as it was, plus its temporary file, which
    the next write of the same path removes once its process is gone.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_dead_temporaries(path: Path) -> None:
    """Delete temporary files of earlier writes of ``path`` whose writing process is gone."""
    for stale in path.parent.glob(f".{path.name}.*-*.tmp"):
        pid = stale.name[len(path.name) + 2:].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            stale.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def replace_folder(tmp: Path, final: Path) -> None:
    """Move a completed folder into place, replacing an older version of it: a reader sees the old
    folder or the new one, never a half-written one (at worst, after a kill, neither)."""
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def copy_folder(source: Path, target: Path, ignore: Callable | None = None) -> None:
    """``shutil.copytree``, its many errors (``shutil.Error``, one per file) raised as the first
    file's ``OSError``: a full disk or a read-only folder then reads as one, like any other write."""
    try:
        shutil.copytree(source, target, ignore=ignore)
    except shutil.Error as err:
        errors = err.args[0] if err.args and isinstance(err.args[0], list) else []
        first = next((why for *_, why in errors if "[Errno" in why), None)
        code = int(first.split("[Errno ")[1].split("]")[0]) if first else None
        raise OSError(code, os.strerror(code) if code else str(err), errors[0][1] if errors else None) from err


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode())


def write_bytes(path: Path, data: bytes) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    atomic(path, write)


def write_if_changed(path: Path, text: str) -> None:
    """Atomic write that leaves an identical file untouched (so make sees nothing new)."""
    if path.exists() and path.read_text() == text:
        return
    write_text(path, text)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def config_hash(config: dict) -> str:
    """Short, stable hash of a JSON-serialisable config."""
    blob = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


FORCE_UNPICKLING = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"


def load_tensors(path: Path | io.BytesIO) -> Any:
    """``torch.load`` of tensors, dicts and numbers only (``weights_only=True``): a crafted file
    cannot run code. Refused while the environment asks torch to unpickle anything, a setting
    some tutorials recommend that no file of this benchmark needs."""
    import torch

    if os.environ.get(FORCE_UNPICKLING, "0").lower() in ("1", "y", "yes", "true"):
        raise UsageError(f"{FORCE_UNPICKLING} is set, which lets torch run code from a file; this benchmark "
                         f"never needs it: unset it (unset {FORCE_UNPICKLING}) and run again")
    return torch.load(path, map_location="cpu", weights_only=True)


def read_cache(path: Path, what: str) -> Any | None:
    """A cache file's content, or None (said on stderr) if it is damaged: it is a cache, so the
    caller computes it again and overwrites it rather than failing."""
    try:
        return load_tensors(path)
    except UsageError:
        raise
    except Exception as error:  # truncated, garbage, a pickle of code: all mean "compute it again"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"{what} {path} is damaged ({reason[:200]}); computing it again", file=sys.stderr)
        return None
