"""The rule catalogue (``rules.yaml``) loaded into typed, frozen rules.

Severity and action live here, as data (STYLE: "severity in data"); the engine never
decides them in an ``if``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import field_validator

from ..format import extended_format
from ..settings.base import StrictModel, validate_model
from ..yaml_load import parse_yaml

RULES_FILE = "rules.yaml"
_RANGE = re.compile(r"^([A-Z_]+?)(\d+)\.\.([A-Z_]+?)(\d+)$")


def expand_columns(items: list[str]) -> list[str]:
    """``["CRIT01..CRIT03", "X"]`` → ``["CRIT01", "CRIT02", "CRIT03", "X"]``."""
    columns: list[str] = []
    for item in items:
        found = _RANGE.match(item)
        if found and found.group(1) == found.group(3):
            prefix, first, last = found.group(1), found.group(2), found.group(4)
            width = len(first)
            columns += [f"{prefix}{i:0{width}d}" for i in range(int(first), int(last) + 1)]
        else:
            columns.append(item)
    return columns


class Rule(StrictModel):
    code: str
    columns: tuple[str, ...]
    severity: Literal["error", "warning"]
    action: Literal["reject", "drop", "truncate", "default"]
    message: str
    spec: str
    default: str | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _expand(cls, value):
        columns = expand_columns(list(value))
        known = set(extended_format().layout(with_role=True))
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"unknown column(s) {unknown} (allowed: the layout's codes, CRIT01..CRIT50)")
        return tuple(columns)

    def message_for(self, column: str) -> str:
        spec = extended_format().column(column)
        return self.message.format(column=column, max_length=spec.max_length or "")


class RuleCatalogue(StrictModel):
    rules: tuple[Rule, ...]

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules):
        codes = [r.code for r in rules]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"rule codes defined twice: {twice}")
        for rule in rules:
            if (rule.action == "reject") != (rule.severity == "error"):
                raise ValueError(f"{rule.code}: an error rejects the row, a warning keeps it (severity/action disagree)")
            if rule.action == "default" and rule.default is None:
                raise ValueError(f"{rule.code}: action default needs a default value")
        return rules

    def rule(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)


@lru_cache(maxsize=1)
def load_rules() -> RuleCatalogue:
    """The bundled rule catalogue (cached; immutable)."""
    text = resources.files(__package__).joinpath(RULES_FILE).read_text(encoding="utf-8")
    return validate_model(RuleCatalogue, parse_yaml(text, RULES_FILE), RULES_FILE)
