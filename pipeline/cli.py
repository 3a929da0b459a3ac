"""Command line: ``python -m pipeline COMMAND`` (the commands: ``pipeline.commands.COMMANDS``).

What every command shares lives here: the parser made from that list, the check of folder
options before any work, and errors as one line (a usage error, a full disk, an interrupt)."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from pathlib import Path

from pipeline.base.errors import UsageError
from pipeline.commands import COMMANDS
from pipeline.commands.options import show_lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Benchmark of self-supervised losses for accelerated MRI reconstruction.",
    )
    parser.set_defaults(quiet=False, lines=False)  # for the commands that train nothing (no output options)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
    return parser



FOLDER_OPTIONS = {"results_dir": "--results-dir", "cache_dir": "--cache-dir", "weights_dir": "--weights-dir",
                  "log_dir": "--log-dir", "out": "--out", "scratch_dir": "--scratch-dir"}


def check_folders(args: argparse.Namespace) -> None:
    """A folder option that is a file, lies under a file or cannot be written: one line, before any work."""
    for attr, option in FOLDER_OPTIONS.items():
        path = getattr(args, attr, None)
        if path is None:
            continue
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise UsageError(f"{option} {path} is a file, not a folder; pass a folder (it is created if missing)")
        existing = path if path.exists() else next(p for p in path.absolute().parents if p.exists())
        if not existing.is_dir():
            raise UsageError(f"{option} {path} lies under {existing}, which is a file; pass a folder path")
        if attr not in COMMAND_NAMED[args.command].reads_only and not os.access(existing, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {path} cannot be written ({existing} is read-only for this user); "
                             "pass a folder you can write to")


class Terminated(BaseException):
    """SIGTERM (a scheduler's cancel or time limit), raised so that the run in progress cleans up
    after itself as on Ctrl-C (its temporary folder and lock go) instead of dying where it stands."""


def raise_terminated(signum: int, frame) -> None:
    """The first SIGTERM stops the run; later ones are ignored so that they cannot cut its clean-up
    short (Slurm's srun sends a second one a few milliseconds after the first)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        check_folders(args)
        show_lines(args)
        code = COMMAND_NAMED[args.command].handler(args)
        sys.stdout.flush()  # here, so that a closed pipe is seen below, not at exit
        return code
    except BrokenPipeError:  # `python -m pipeline grid | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 128 + signal.SIGPIPE
    except UsageError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except OSError as err:
        line = os_error_line(err)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Terminated) as stop:
        how, code = ("interrupted", 130) if isinstance(stop, KeyboardInterrupt) else ("stopped by SIGTERM", 128 + signal.SIGTERM)
        print(f"\n{how}: finished runs are kept, the interrupted one left nothing behind; run the same command "
              "again to resume", file=sys.stderr)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)


def one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a folder name read from a results
    folder, say) and bidirectional marks shown escaped, so an error is always one line as written."""
    return "".join(c if c.isprintable() and c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                   else c.encode("unicode_escape").decode() for c in text)


NOTHING_LOST = "nothing finished was lost (results, caches and the site are written whole or not at all)"


def os_error_line(err: OSError) -> str | None:
    """One line for what the machine refused (a full disk, a folder that cannot be written);
    None for any other OS error, which keeps its traceback."""
    where = err.filename or "a file"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full ({os.strerror(err.errno).lower()}); {NOTHING_LOST}: free some space and run the same command again"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {where} ({os.strerror(err.errno).lower()}); {NOTHING_LOST}: make that folder "
                "writable, or point the command at another one, and run it again")
    return None


COMMAND_NAMED = {command.name: command for command in COMMANDS}
