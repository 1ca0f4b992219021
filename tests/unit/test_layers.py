"""The house's layers, read from the code's own imports (every import, those inside functions too).

cli → deployments → flows → tasks → connectors → migration: a module may import its own
layer or one below it, never one above. ``migration/`` never imports Prefect, and the
contact store (``migration/store``) has no import cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["cli", "deployments", "flows", "tasks", "connectors", "migration"]
PACKAGE = "stx_migrate"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in the file run at some point, relative ones made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for guard in [n for n in ast.walk(tree) if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]:
        guard.body = []   # type hints only: never imported at run time
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, module))
            if node.module is None or node.level:   # "from . import x": x may be a module
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "alembic" not in p.parts and "__pycache__" not in p.parts)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[0] == PACKAGE and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def test_imports_run_one_way():
    upward = []
    for path in _sources(*LAYERS):
        own = _layer(_module_name(path))
        for line, module in _imports(path):
            target = _layer(module)
            if target is not None and target < own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == [], "imports running up the layers:\n" + "\n".join(upward)


@pytest.mark.parametrize("folder", ["migration"])
def test_migration_never_imports_prefect(folder):
    found = [f"{p.relative_to(ROOT)}:{line}" for p in _sources(folder) for line, m in _imports(p)
             if m == "prefect" or m.startswith("prefect.")]
    assert found == []


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` (empty if none), by depth-first search."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_store_has_no_import_cycle():
    store = f"{PACKAGE}.migration.store"
    modules = {_module_name(p): p for p in _sources("migration/store") if p.name != "__init__.py"}
    graph = {m: {i for _, i in _imports(p) if i in modules and i != m} for m, p in modules.items()}
    assert _cycle(graph) == [], f"import cycle in {store}"


def test_relative_imports_resolve():
    found = {m for _, m in _imports(ROOT / "flows" / "procedure.py")}
    assert {"stx_migrate.flows.preprod", "stx_migrate.migration.procedure"} <= found
    found = {m for _, m in _imports(ROOT / "migration" / "store" / "store.py")}
    assert f"{PACKAGE}.migration.store.bulk" in found and f"{PACKAGE}.migration.errors" in found


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
