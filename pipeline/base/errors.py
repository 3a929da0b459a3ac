"""The one exception type for user mistakes: the CLI prints it on one line and exits with 2."""


class UsageError(Exception):
    """A bad choice or input from the user; the message says what was wrong and how to fix it."""


def choose(kind: str, name: str, choices: dict, hint: str = ""):
    """Return ``choices[name]`` or raise a UsageError listing the valid names."""
    if name not in choices:
        valid = ", ".join(choices)
        raise UsageError(f"unknown {kind} '{name}'; choose one of: {valid}{hint}")
    return choices[name]
