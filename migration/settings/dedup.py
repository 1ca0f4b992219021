"""The project's ``dedup`` block: matching rules, thresholds, survivorship."""
from __future__ import annotations

from pydantic import Field

from .base import StrictModel


class DedupSettings(StrictModel):
    enabled: bool = True
    auto_merge: float = Field(default=0.95, ge=0, le=1)
    review: float = Field(default=0.80, ge=0, le=1)
