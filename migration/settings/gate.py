"""The project's ``gate`` block: the quality gate's thresholds."""
from __future__ import annotations

from pydantic import Field

from .base import StrictModel


class GateSettings(StrictModel):
    max_reject_rate: float = Field(default=0.05, ge=0, le=1)
    max_reject_rate_per_rule: dict[str, float] = Field(default_factory=dict)
    min_fill_rate: dict[str, float] = Field(default_factory=dict)
    max_duplicate_rate: float = Field(default=0.10, ge=0, le=1)
    max_review_backlog: int = Field(default=1000, ge=0)
