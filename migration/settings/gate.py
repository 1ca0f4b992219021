"""The project's ``gate`` block: the quality gate's thresholds (docs/gate.md).

```yaml
gate:
  max_reject_rate: 0.05                  # rejected / (rows_in - dropped)
  max_reject_rate_per_rule: {EMAIL_INVALID: 0.01}   # rows with that error code / (rows_in - dropped)
  min_fill_rate: {LASTNAME: 0.95}        # non-empty share of a column in the import file
  max_duplicate_rate: 0.10               # merged / (valid + merged)
  max_review_backlog: 1000               # dedup pairs waiting for a person's decision
  max_changed_rate: 0.5                  # warn when the protocol changes or empties more of a column's values
```
"""
from __future__ import annotations

from pydantic import Field, field_validator

from .base import StrictModel


def _rates(value: dict[str, float]) -> dict[str, float]:
    bad = {k: v for k, v in value.items() if not 0 <= v <= 1}
    if bad:
        raise ValueError(f"rates are between 0 and 1 (got {', '.join(f'{k}: {v}' for k, v in bad.items())})")
    return value


class GateSettings(StrictModel):
    max_reject_rate: float = Field(default=0.05, ge=0, le=1)
    max_reject_rate_per_rule: dict[str, float] = Field(default_factory=dict)
    min_fill_rate: dict[str, float] = Field(default_factory=dict)
    max_duplicate_rate: float = Field(default=0.10, ge=0, le=1)
    max_review_backlog: int = Field(default=1000, ge=0)
    max_changed_rate: float = Field(default=0.5, ge=0, le=1)   # a warning, not a refusal: some steps change everything

    @field_validator("max_reject_rate_per_rule")
    @classmethod
    def _rule_rates(cls, value: dict[str, float]) -> dict[str, float]:
        return _rates(value)

    @field_validator("min_fill_rate")
    @classmethod
    def _fill_rates(cls, value: dict[str, float]) -> dict[str, float]:
        from ..format.catalogue import extended_format

        layout = extended_format().layout(with_role=True)
        unknown = sorted(set(value) - set(layout))
        if unknown:
            raise ValueError(f"unknown column {', '.join(unknown)} (allowed: a SecuTix column code such as LASTNAME, EMAIL1)")
        return _rates(value)
