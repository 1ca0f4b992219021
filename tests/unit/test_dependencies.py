"""Runtime dependencies are what runtime code imports; the test and bench extras hold the rest."""
from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ["cli", "deployments", "flows", "tasks", "connectors", "migration", "config"]
# loaded by SQLAlchemy from a URL's driver name (mysql+mysqlconnector://, mssql+pymssql://), never imported by name
DRIVERS_BY_URL = {"mysql-connector-python", "pymssql"}
# a bench peer that pins pandas<3: it runs in its own environment (bench/.venv-peers), in no extra
SIDE_ENVIRONMENT = {"recordlinkage"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _imported_top_levels(folders: list[str]) -> set[str]:
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if any(part.startswith(".") for part in path.relative_to(ROOT).parts):    # a side virtualenv
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found


def _distributions(modules: set[str]) -> set[str]:
    of_module = packages_distributions()
    return {d.lower().replace("_", "-") for m in modules for d in of_module.get(m, [])}


def test_every_runtime_dependency_is_imported_by_runtime_code():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    installed = {d.lower().replace("_", "-") for ds in packages_distributions().values() for d in ds}
    assert sorted(declared - installed - DRIVERS_BY_URL) == [], "declared but not installed: run scripts/setup.sh"
    used = _distributions(_imported_top_levels(RUNTIME))
    assert sorted(declared - used - DRIVERS_BY_URL) == []


def test_what_only_tests_and_benches_import_is_in_their_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for group in project["optional-dependencies"].values() for r in group}
    only_there = _distributions(_imported_top_levels(["tests", "bench"])) - _distributions(_imported_top_levels(RUNTIME))
    third_party = {d for d in only_there if d not in {"stx-migrate"}}
    missing = sorted(d for d in third_party - declared - extras
                     if d not in {"pytest", "pluggy"} | SIDE_ENVIRONMENT and not d.startswith("pytest-"))
    assert missing == []
