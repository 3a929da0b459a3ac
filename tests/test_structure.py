"""The package's imports flow one way: the CLI on top, nothing importing it back, no circles.

Read from the source (every ``import`` statement, also those inside functions), so a lazy import
cannot hide a circle.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT


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


def test_only_the_entry_point_imports_the_cli():
    graph = imports_of_package()
    assert "pipeline.cli" in graph and "pipeline.runs" in graph["pipeline.cli"]  # the reading works
    assert sorted(m for m, imported in graph.items() if "pipeline.cli" in imported) == ["pipeline.__main__"]


def test_no_modules_import_each_other():
    assert circles(imports_of_package()) == []


def test_a_circle_is_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
