"""The project's ``import_log`` block: how to read the log SecuTix's importer returns for a delivered file.

Its column names and status values vary by SecuTix version and no sample is at hand, so
they are settings (docs/import-log.md). Every status value the log holds must be listed
in exactly one of ``imported``, ``warning`` (landed, with a remark) or ``refused``: an
unknown status stops the absorption, never guessed.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import StrictModel


class ImportLogColumns(StrictModel):
    status: str = "STATUS"
    message: str | None = "MESSAGE"
    contact_nr: str | None = "CONTACT_NR"   # the contact number SecuTix reports for the line
    row: str | None = None                  # the import file's row the line is about (else: the line's order)


class ImportLogSettings(StrictModel):
    columns: ImportLogColumns = ImportLogColumns()
    imported: list[str] = Field(default_factory=lambda: ["OK", "IMPORTED", "INSERTED", "UPDATED", "SUCCESS"])
    warning: list[str] = Field(default_factory=lambda: ["WARNING"])
    refused: list[str] = Field(default_factory=lambda: ["ERROR", "KO", "REJECTED", "REFUSED", "FAILED"])
    ignore_case: bool = True
    match_by: Literal["row", "contact_nr"] = "row"   # row: the row column or the line order; contact_nr: CONTACT_NR
    first_row: int = Field(default=5, ge=1)   # the row number the log gives the import file's first data row
    header_row: int = Field(default=1, ge=1)
    sheet: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ImportLogSettings":
        fold = (lambda v: v.strip().casefold()) if self.ignore_case else (lambda v: v.strip())
        seen: dict[str, str] = {}
        for group in ("imported", "warning", "refused"):
            for value in getattr(self, group):
                if fold(value) in seen:
                    raise ValueError(f"status {value!r} is in both {seen[fold(value)]} and {group}")
                seen[fold(value)] = group
        if self.match_by == "contact_nr" and not self.columns.contact_nr:
            raise ValueError("match_by contact_nr needs columns › contact_nr")
        return self
