"""The package's imports flow one way: the CLI on top, nothing importing it back, no circles,
and each role folder imports only the folders below it (as its docstring says).

Read from the source (every ``import`` statement, also those inside functions), so a lazy import
cannot hide a circle.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pipeline.cli
from pipeline import analysis, base, commands, grid, losses, methods, render, run, setting
from tests.conftest import ROOT

# each role folder -> the folders it may import (the package's docstring draws the same order)
MAY_IMPORT = {
    base: [],
    setting: [base],
    losses: [base, setting],
    methods: [base, setting, losses],
    run: [base, setting, losses, methods],
    analysis: [base, setting, methods, run],
    grid: [base, setting, methods, run, analysis],
    render: [base, setting, analysis],
    commands: [base, setting, losses, methods, run, analysis, grid, render],
}


def module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of_package() -> dict[str, set[str]]:
    """Each module of ``pipeline`` -> the modules of ``pipeline`` it imports."""
    files = {module_name(p): p for p in (ROOT / "pipeline").rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, one level up per extra dot
                    parents = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parents + ([base] if base else []))
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def role_of(module: str) -> str:
    """``pipeline.run.spec`` -> ``pipeline.run``; a top-level module is its own role."""
    return ".".join(module.split(".")[:2])


def test_only_the_entry_point_imports_the_cli():
    graph = imports_of_package()
    cli = pipeline.cli.__name__
    assert commands.__name__ in graph[cli]  # the reading works
    assert sorted(m for m, imported in graph.items() if cli in imported) == [module_name(ROOT / "pipeline" / "__main__.py")]


def test_each_role_folder_imports_only_the_folders_below_it():
    allowed = {role.__name__: {r.__name__ for r in below} for role, below in MAY_IMPORT.items()}
    found = {(role_of(m), role_of(d)) for m, deps in imports_of_package().items() for d in deps
             if role_of(m) != role_of(d) and role_of(m) in allowed}
    assert (run.__name__, setting.__name__) in found  # the reading works
    assert sorted((a, b) for a, b in found if b not in allowed[a]) == []


def test_every_module_is_in_a_role_folder_but_the_entry_points():
    top = sorted(p.name for p in (ROOT / "pipeline").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"]
    folders = {p.name for p in (ROOT / "pipeline").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {role.__name__.rpartition(".")[2] for role in MAY_IMPORT}


def test_no_modules_import_each_other():
    assert circles(imports_of_package()) == []


def test_a_circle_is_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_command_line_and_the_site_start_without_torch():
    """`make site` runs on the site's light install (no torch): the parser, the site and the
    analyses it shows must not import the training stack; the commands that train import it
    when they run."""
    code = ("import sys, pipeline.cli, pipeline.render, pipeline.analysis.findings, pipeline.analysis.compare; "
            "pipeline.cli.build_parser(); print(sorted(m for m in ('torch', 'deepinv') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
