"""``summary.json``: the counts of a step and the reconciliation that must hold (architecture §4).

Every input row ends in exactly one place: ``rows_in = valid + rejected + merged + dropped``.
:func:`write_summary` refuses to write a summary that does not reconcile: a run that
lost a row is a bug, and it must not look like a success.
"""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Summary(BaseModel):
    model_config = ConfigDict(extra="allow")

    rows_in: int = 0
    valid: int = 0
    rejected: int = 0
    merged: int = 0
    dropped: int = 0
    warnings: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _reconciles(self) -> "Summary":
        total = self.valid + self.rejected + self.merged + self.dropped
        if total != self.rows_in:
            raise ValueError(
                f"rows do not reconcile: rows_in={self.rows_in} but valid+rejected+merged+dropped={total}"
            )
        return self


def write_summary(summary: Summary | dict, path: Path) -> Summary:
    """Validate (reconciliation) and write ``summary.json``; returns the validated model."""
    model = summary if isinstance(summary, Summary) else Summary.model_validate(summary)
    Path(path).write_text(json.dumps(model.model_dump(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return model


def read_summary(path: Path) -> Summary:
    return Summary.model_validate_json(Path(path).read_text(encoding="utf-8"))
