"""The one registry of finding codes covers every code any stage emits, and nothing else.

Codes are read from the code itself: every string constant of ``migration/`` shaped like a
code (upper case words joined by ``_``) that is not a column code, an exported name, a title
code or an environment variable must be in the registry; every registered code must be
emitted somewhere; every code of the golden logs must be registered.
"""
from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from stx_migrate.migration.finding_codes import codes_of, registry
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.reference import STANDARD_TITLES
from stx_migrate.migration.report.words import FILTER_SENTENCES, SUBJECTS
from stx_migrate.migration.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
CODE_SHAPE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


def _code_literals() -> dict[str, str]:
    """Code-shaped string constants of migration/ → where one stands (``__all__`` lists left out)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "migration").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported = {id(n) for a in ast.walk(tree) if isinstance(a, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "__all__" for t in a.targets)
                    for n in ast.walk(a.value)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exported:
                if CODE_SHAPE.match(node.value) or node.value in registry():
                    found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _not_codes() -> set[str]:
    """Column codes, titles, the report's words for columns, the names of the bundled protocols' filters
    and the environment variables read beside STX_MIGRATE_* (the user's cache folder)."""
    return set(extended_format().layout(with_role=True)) | set(STANDARD_TITLES) | set(SUBJECTS) | set(FILTER_SENTENCES) | {
        "XDG_CACHE_HOME"}


def test_every_code_the_code_emits_is_registered():
    unknown = {code: where for code, where in _code_literals().items()
               if code not in registry() and code not in _not_codes() and not code.startswith("STX_MIGRATE_")}
    assert unknown == {}


def test_every_registered_code_is_emitted():
    emitted = set(_code_literals()) | {r.code for r in load_rules().rules}   # the rules emit through rules.yaml
    assert sorted(set(registry()) - emitted) == []


def test_every_code_in_the_golden_logs_is_registered():
    logs = sorted((ROOT / "tests" / "golden").glob("*/expected/rejects.csv"))
    assert logs
    codes = {row["code"] for log in logs for row in csv.DictReader(log.open(encoding="utf-8-sig"))}
    assert codes and sorted(codes - set(registry())) == []


def test_one_registry_for_every_stage():
    assert set(codes_of("rules")) == {r.code for r in load_rules().rules}
    assert codes_of("dedup")["MERGED"].severity == "merged"
    assert codes_of("import")["IMPORT_NO_NAME"].severity == "error"
    shared = {code for code, entries in registry().items() if len(entries) > 1}
    assert shared == {"PHONE_INVALID", "COUNTRY_UNKNOWN"}        # one problem, found by the rules and the protocol
    for code in shared:
        assert len({e.severity for e in registry()[code]}) == 1


def test_a_code_defined_twice_with_two_severities_is_refused(monkeypatch):
    import stx_migrate.migration.finding_codes as fc

    entries = fc._entries()
    clash = entries[0].model_copy(update={"stage": "protocol",
                                          "severity": "warning" if entries[0].severity == "error" else "error"})
    monkeypatch.setattr(fc, "_entries", lambda: (*entries, clash))
    fc.registry.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=f"{entries[0].code}: severity"):
            fc.registry()
    finally:
        monkeypatch.undo()
        fc.registry.cache_clear()
