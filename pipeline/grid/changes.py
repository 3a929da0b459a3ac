"""Which methods a change touches: what the pull-request check (``.github/workflows/contribute.yml``)
runs ``make contribute`` for.

A method is touched when its file under ``pipeline/methods/`` is added or changed, or when a loss
module it imports from ``pipeline/losses/`` is (directly, through the package's ``__init__``, or
through another loss module). Read from the source with ``ast``, so no torch is needed to decide.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

METHODS = "pipeline/methods/"
LOSSES = "pipeline/losses/"


def changed_files(base: str, root: Path) -> list[str]:
    """Files that differ between ``base`` (a branch or commit) and the working tree's HEAD."""
    done = subprocess.run(["git", "diff", "--name-only", f"{base}...HEAD"], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise RuntimeError(f"git diff against {base} failed ({reason})")
    return [line for line in done.stdout.splitlines() if line]


def touched_methods(changed: list[str], root: Path) -> tuple[list[str], list[str]]:
    """(names of the methods to check, method files the change deletes), each sorted."""
    root = Path(root)
    exported = reexports(root)
    changed_losses = {module_of(path) for path in changed if path.startswith(LOSSES) and path.endswith(".py")}
    affected = losses_affected(changed_losses, root, exported)
    names, deleted = set(), set()
    for path in sorted(root.glob(f"{METHODS}*.py")):
        if path.name == "__init__.py":
            continue
        relative = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text())
        if relative in changed or loss_modules_imported(tree, exported) & affected:
            names.add(method_name(tree, relative))
    for path in changed:
        if path.startswith(METHODS) and path.endswith(".py") and not (root / path).exists():
            deleted.add(path)
    return sorted(names), sorted(deleted)


def module_of(path: str) -> str:
    """``pipeline/losses/mo_consistency.py`` -> ``pipeline.losses.mo_consistency``; the package's
    ``__init__.py`` -> ``pipeline.losses``."""
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def losses_package() -> str:
    """The losses' package as an import names it (from its folder, so that the two cannot disagree)."""
    return module_of(LOSSES.rstrip("/"))


def reexports(root: Path) -> dict[str, str]:
    """Each name the ``pipeline.losses`` package re-exports -> the module that defines it."""
    init = Path(root) / LOSSES / "__init__.py"
    tree = ast.parse(init.read_text()) if init.exists() else ast.Module(body=[], type_ignores=[])
    return {alias.asname or alias.name: node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(losses_package() + ".")
            for alias in node.names}


def loss_modules_imported(tree: ast.AST, exported: dict[str, str]) -> set[str]:
    """The ``pipeline.losses`` modules a file imports from: a name taken from the package counts as
    the module that defines it and as the package (whose ``__init__`` it goes through)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == losses_package():
            found |= {losses_package()} | {exported.get(a.name, f"{losses_package()}.{a.name}") for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(losses_package() + "."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(losses_package())}
    return found


def losses_affected(changed: set[str], root: Path, exported: dict[str, str]) -> set[str]:
    """``changed`` loss modules and every loss module that imports one of them, transitively (the
    package's ``__init__`` only when it changed itself: it re-exports, it computes nothing)."""
    imports = {module_of(p.relative_to(root).as_posix()): loss_modules_imported(ast.parse(p.read_text()), exported)
               for p in (Path(root) / LOSSES).glob("*.py") if p.name != "__init__.py"}
    affected = set(changed)
    while True:
        more = {module for module, uses in imports.items() if uses & affected} - affected
        if not more:
            return affected
        affected |= more


def method_name(tree: ast.AST, path: str) -> str:
    """The ``name=`` of the file's ``METHOD = Method(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "METHOD" for t in node.targets) \
                and isinstance(node.value, ast.Call):
            for keyword in node.value.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    raise ValueError(f"{path} defines no METHOD = Method(name=...)")
