"""The one exception type for user mistakes: the CLI prints it on one line and exits with 2."""

import difflib


class UsageError(Exception):
    """A bad choice or input from the user; the message says what was wrong and how to fix it."""


def choose(kind: str, name: str, choices: dict, hint: str = ""):
    """Return ``choices[name]`` or raise a UsageError listing the valid names."""
    if name not in choices:
        close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
        guess = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"unknown {kind} '{name}'; {guess}choose one of: {', '.join(choices)}{hint}")
    return choices[name]
