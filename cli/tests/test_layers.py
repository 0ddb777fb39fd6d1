"""The CLI's layers point one way (cli -> api -> modules): no import cycles among ml_monitor
modules, and nothing below `api` imports it. Static (ast), so it needs no dbt and runs in
milliseconds; imports inside functions and under TYPE_CHECKING count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ml_monitor"
# The front ends: they may import api, nothing else may.
ABOVE_API = {"ml_monitor.cli", "ml_monitor.api", "ml_monitor.demo", "ml_monitor.demo.runner",
             "ml_monitor.demo.output", "ml_monitor.demo.project", "ml_monitor.demo.data"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """ml_monitor modules that `name` imports (any `import`/`from` statement anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            # `from ml_monitor import api` names the module ml_monitor.api; `import a.b.c` needs a.b.c
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t != "ml_monitor":
                found.add(t)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # cli imports api inside its command functions: the walker must still see it
    assert "ml_monitor.api" in graph["ml_monitor.cli"]
    assert "ml_monitor.alerts.model" in graph["ml_monitor.alerts.slack"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("name", sorted(set(modules()) - ABOVE_API))
def test_nothing_below_api_imports_it(name):
    graph = import_graph()
    assert "ml_monitor.api" not in graph[name], f"{name} imports ml_monitor.api (api is the top layer)"


# Runtime dependency (pyproject) -> the top-level modules it provides.
DISTRIBUTION_MODULES = {"dbt-core": {"dbt"}, "dbt-duckdb": {"dbt", "duckdb"}, "jinja2": {"jinja2"},
                        "pandas": {"pandas"}, "numpy": {"numpy"}, "click": {"click"}, "rich": {"rich"},
                        "pyyaml": {"yaml"}, "croniter": {"croniter"}}


def third_party_imports() -> set[str]:
    import sys

    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                if top and top != "ml_monitor" and top not in sys.stdlib_module_names:
                    found.add(top)
    return found


def test_runtime_dependencies_are_what_the_runtime_imports():
    import re
    import tomllib

    project = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ;]", d)[0].lower() for d in project["dependencies"]}
    assert declared == set(DISTRIBUTION_MODULES), "update DISTRIBUTION_MODULES with the new dependency"
    assert third_party_imports() == set().union(*DISTRIBUTION_MODULES.values())
    assert "sqlglot" not in declared      # only the tests parse SQL with it
