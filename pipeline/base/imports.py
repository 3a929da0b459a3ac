"""Load user code named by an import path ``package.module:attribute``."""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.base.errors import UsageError


def raised(error: BaseException) -> str:
    """``Type: message`` of a user's exception, on one line (a SyntaxError with its line number)."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}, line {error.lineno})"
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message[:300]}" if message else type(error).__name__


def import_object(path: str, what: str) -> Any:
    """The object at ``module:attr``; a UsageError naming the path when it cannot be imported."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise UsageError(f"{what} '{path}' is not an import path; write it as 'package.module:Name'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"cannot import module '{module_name}' of {what} '{path}': {err}") from err
    except Exception as err:  # the user's module itself fails: a SyntaxError, an error at import time
        raise UsageError(f"importing module '{module_name}' of {what} '{path}' raised {raised(err)}") from err
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UsageError(f"module '{module_name}' has no '{attr}' ({what} '{path}')") from None
