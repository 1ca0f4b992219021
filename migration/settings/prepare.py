"""Contact-number policy and retention rule of a project."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from .base import StrictModel


class NumberRange(StrictModel):
    first: int = Field(ge=0)
    last: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "NumberRange":
        if self.last < self.first:
            raise ValueError("last must not be below first")
        return self


class ContactNumberPolicy(StrictModel):
    """secutix-format §8.4: keep the source numbers, or allocate new ones from the reserved range.

    Never a number that exists in the target environment (docs/protocol.md).
    """

    policy: Literal["keep", "allocate"] = "keep"
    reserved_range: NumberRange | None = None

    @model_validator(mode="after")
    def _range_for_allocation(self) -> "ContactNumberPolicy":
        if self.policy == "allocate" and self.reserved_range is None:
            raise ValueError("policy allocate needs reserved_range {first, last}")
        return self


class RetentionSettings(StrictModel):
    """'Older data must be deleted' (secutix-format §8.1): the cut-off the customer gave in writing."""

    cutoff: date | None = None
