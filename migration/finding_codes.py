"""The one registry of finding codes: every code any stage writes into a log, with its stage,
severity and message.

The rules' codes live with their checks in ``rules/rules.yaml``; every other stage's codes
(the protocol, an environment's import and services, dedup's merges) in ``codes.yaml``
beside this module. :func:`registry` folds both into one mapping and refuses a code defined
twice; ``tests/unit/test_finding_codes.py`` checks it against every code the code emits.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field

from .settings.base import StrictModel, read_yaml, validate_model

CODES_FILE = "codes.yaml"
Stage = Literal["rules", "protocol", "import", "dedup"]


class FindingCode(StrictModel):
    code: str
    severity: Literal["error", "warning", "merged"]
    message: str
    stage: Stage = "rules"


class _CodesFile(StrictModel):
    protocol: tuple[FindingCode, ...]
    import_: tuple[FindingCode, ...] = Field(default=(), alias="import")
    dedup: tuple[FindingCode, ...] = ()


@lru_cache(maxsize=1)
def _entries() -> tuple[FindingCode, ...]:
    from .rules.catalogue import load_rules   # rules/ reads the format; loaded on first use

    path = Path(str(resources.files(__package__).joinpath(CODES_FILE)))
    codes = validate_model(_CodesFile, read_yaml(path), str(path))
    found = [FindingCode(code=r.code, severity=r.severity, message=r.message, stage="rules") for r in load_rules().rules]
    for stage, entries in (("protocol", codes.protocol), ("import", codes.import_), ("dedup", codes.dedup)):
        found += [entry.model_copy(update={"stage": stage}) for entry in entries]
    return tuple(found)


@lru_cache(maxsize=1)
def registry() -> dict[str, tuple[FindingCode, ...]]:
    """Code → its definitions, one per stage that emits it (rules first, then codes.yaml in file order).

    A code two stages share (the rules and the protocol both find an invalid phone) names one
    problem: its severity must be the same wherever it is emitted; a stage defines it once.
    """
    by_code: dict[str, list[FindingCode]] = {}
    for entry in _entries():
        defined = by_code.setdefault(entry.code, [])
        if any(d.stage == entry.stage for d in defined):
            raise RuntimeError(f"finding code {entry.code} defined twice for stage {entry.stage}")
        if defined and defined[0].severity != entry.severity:
            raise RuntimeError(f"finding code {entry.code}: severity {defined[0].severity} ({defined[0].stage}) but "
                               f"{entry.severity} ({entry.stage})")
        defined.append(entry)
    return {code: tuple(entries) for code, entries in by_code.items()}


def codes_of(stage: Stage) -> dict[str, FindingCode]:
    """The codes one stage emits, with that stage's message."""
    return {entry.code: entry for entry in _entries() if entry.stage == stage}
