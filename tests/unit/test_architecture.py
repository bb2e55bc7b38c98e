"""The layers, checked from the source: no import cycle among our modules, and no controller or
page that reaches past the services into the database."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("postal_tracker", "integrations", "labels")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of ours that `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as the list of modules around it), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_checker_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # cli.py imports the report service inside `cmd_report_monthly`, the app inside `cmd_serve`.
    assert "postal_tracker.reports.service" in graph["postal_tracker.cli"]
    assert "postal_tracker.reports.documents" in graph["postal_tracker.reports.service"]


def test_no_import_cycle_among_our_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_pure_packages_import_neither_litestar_nor_the_database():
    for name, path in our_modules().items():
        if name.split(".")[0] in ("integrations", "labels"):
            tree = ast.parse(path.read_text())
            imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            bad = {m for m in imported if m.split(".")[0] in ("litestar", "sqlalchemy", "sqlmodel")}
            bad |= {m for m in imported if m.startswith("postal_tracker.") and m not in PURE_CORE}
            assert not bad, f"{name} imports {sorted(bad)}"


PURE_CORE = {"postal_tracker.lifecycle", "postal_tracker.wording"}
"""The modules of the service that the pure packages may read (stdlib only, no I/O)."""


def is_http_edge(name: str) -> bool:
    """Controllers and pages: they parse, call a service, answer."""
    return name.endswith(".controllers") or name.startswith("postal_tracker.web")


def test_no_controller_or_page_touches_the_database():
    edges = [name for name in our_modules() if is_http_edge(name)]
    assert "postal_tracker.scanning.controllers" in edges and "postal_tracker.web.controllers" in edges
    graph = import_graph()
    for name in edges:
        path = our_modules()[name]
        tree = ast.parse(path.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "sqlmodel")}, name
        assert "postal_tracker.models" not in graph[name], f"{name} imports the tables"
        source = path.read_text()
        assert ".read()" not in source and ".write()" not in source, f"{name} opens a transaction"


def test_services_know_nothing_of_http():
    graph = import_graph()
    services = [name for name in graph if name.endswith((".service", ".localtime", ".workdays", ".wording"))]
    assert "postal_tracker.scanning.service" in services
    for name in services:
        assert "litestar.exceptions" not in our_modules()[name].read_text(), f"{name} raises HTTP exceptions"
        http = {m for m in graph[name] if is_http_edge(m) or m.endswith(".deps") or m == "postal_tracker.deps"}
        assert not http, f"{name} imports the HTTP layer: {sorted(http)}"
