"""One-file-per-entry registries (methods, scenarios): find every module of a package that
declares an entry, so that adding the file is all it takes."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any


def discover(package: str, path: list[str], attribute: str, expected: type) -> list[tuple[Any, ModuleType]]:
    """(entry, module) for each module of ``package`` defining ``attribute``, an ``expected`` with a
    unique ``name``; a clear error for a module without one or for a name used twice."""
    found: list[tuple[Any, ModuleType]] = []
    for info in pkgutil.iter_modules(path):
        module = importlib.import_module(f"{package}.{info.name}")
        entry = getattr(module, attribute, None)
        if not isinstance(entry, expected):
            raise TypeError(f"{module.__file__} must define {attribute} = {expected.__name__}(...)")
        if entry.name in {e.name for e, _ in found}:
            raise ValueError(f"two files in {package} register the name '{entry.name}'")
        found.append((entry, module))
    return found
