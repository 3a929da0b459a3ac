"""One-file-per-entry registries (methods, scenarios): find every module of a package that
declares an entry, so that adding the file is all it takes."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from pipeline.base.errors import UsageError
from pipeline.base.names import check_name


def discover(package: str, path: list[str], attribute: str, expected: type) -> list[tuple[Any, ModuleType]]:
    """(entry, module) for each module of ``package`` defining ``attribute``, an ``expected`` with a
    unique ``name``; a clear error for a module without one, a name against the rule of
    ``pipeline.base.names``, or a name used twice."""
    found: list[tuple[Any, ModuleType]] = []
    for info in pkgutil.iter_modules(path):
        module = importlib.import_module(f"{package}.{info.name}")
        entry = entry_of(module, attribute, expected)
        if entry.name in {e.name for e, _ in found}:
            raise UsageError(f"two files in {package} register the name '{entry.name}' ({module.__file__} and "
                             f"{next(m for e, m in found if e.name == entry.name).__file__}); rename one")
        found.append((entry, module))
    return found


def entry_of(module: ModuleType, attribute: str, expected: type) -> Any:
    """The ``expected`` that ``module`` registers as ``attribute``, with a name that follows
    ``pipeline.base.names``' rule: the name becomes folders, URLs, Makefile targets and CSV cells."""
    entry = getattr(module, attribute, None)
    if not isinstance(entry, expected):
        raise UsageError(f"{module.__file__} must define {attribute} = {expected.__name__}(...)")
    check_name(entry.name, attribute.lower(), f"in {module.__file__}")
    return entry
