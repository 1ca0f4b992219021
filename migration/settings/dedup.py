"""The project's ``dedup`` block: matching rules, thresholds, survivorship (docs/dedup.md).

```yaml
dedup:
  rules: [contact_nr, structure, email, phone, name_postcode, fuzzy]
  auto_merge: 0.7         # match probability (learned model, docs/dedup.md) from which a pair merges without asking
  review: 0.3             # between review and auto_merge: review.xlsx
  match_existing: true    # also match against the target environment's contacts
  source_priority: [clients, web_accounts]     # datasets, most trusted first
  survivorship:
    default: most_complete
    fields: {EMAIL1: most_recent, address: most_recent, FIRSTNAME: source_priority}
```
The gate's ``max_duplicate_rate`` and ``max_review_backlog`` live in the ``gate`` block.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import StrictModel

RuleName = Literal["contact_nr", "structure", "email", "phone", "name_postcode", "fuzzy"]
ALL_RULES: tuple[str, ...] = ("contact_nr", "structure", "email", "phone", "name_postcode", "fuzzy")

Strategy = Literal["most_complete", "most_recent", "source_priority"]

# Columns taken together from one record, so an address is never stitched from two.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "address": ("ADDR_TYPE", "LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN", "TOWN_COMPLEMENT", "DEPARTMENT", "COUNTRY"),
    "name": ("TITLE", "FIRSTNAME", "LASTNAME", "LETTER_SALUTATION", "ADDR_SALUTATION"),
    "structure": ("OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2"),
}


class SurvivorshipSettings(StrictModel):
    """Which record gives each field of a merged contact.

    ``most_complete``: the record with the most filled columns; ``most_recent``: the most
    recent record (the ``recency`` given to ``find_duplicates``, else the later row of the
    extraction); ``source_priority``: the record from the dataset listed first in
    ``source_priority``. Keys of ``fields`` are column codes or a group (address, name, structure).
    """

    default: Strategy = "most_complete"
    fields: dict[str, Strategy] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        from ..format import extended_format

        known = set(extended_format().layout(with_role=True)) | set(FIELD_GROUPS)
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)} (allowed: a column code or {', '.join(FIELD_GROUPS)})")
        return value


class DedupSettings(StrictModel):
    enabled: bool = True
    rules: list[RuleName] = Field(default_factory=lambda: list(ALL_RULES))
    # Thresholds on the match probability (Fellegi–Sunter weights learned from the data itself).
    # Chosen on the tuning sets (FEBRL 1 and 3, bench/dedup_labelled.py), checked on FEBRL 2 and 4.
    auto_merge: float = Field(default=0.7, ge=0, le=1)
    review: float = Field(default=0.3, ge=0, le=1)
    # Households live at one address: other-sex form of a first name, another first name without
    # agreeing birth date, the same names a generation apart are two persons, and a cluster never
    # holds two birth dates a generation apart. The last two apply where the data hold households
    # (dedup/households.py decides from the pairs); false turns all of them off.
    household_rules: bool = True
    match_existing: bool = True
    source_priority: list[str] = Field(default_factory=list)
    survivorship: SurvivorshipSettings = SurvivorshipSettings()
    # Sorted-neighbourhood window: each record is compared with at most this many others per blocking key.
    block_window: int = Field(default=12, ge=1, le=200)

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> "DedupSettings":
        if self.review > self.auto_merge:
            raise ValueError(f"review ({self.review}) must not be above auto_merge ({self.auto_merge})")
        return self
