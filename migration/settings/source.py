"""The project's ``source`` block (DESIGN §4): where the customer's extraction comes from."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import StrictModel

SourceKind = Literal["csv", "excel", "sqlite", "postgresql", "mysql", "mssql", "oracle", "access", "odbc", "sql-dump"]


class DatasetSettings(StrictModel):
    """One dataset: a whole table, a SQL query, or a file (with sheet / encoding / delimiter)."""

    table: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    query: str | None = None
    file: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    key: list[str] | str | None = None  # primary key columns used in source_ref; row number when absent

    @model_validator(mode="after")
    def _one_origin(self) -> "DatasetSettings":
        given = [name for name in ("table", "query", "file") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(f"give exactly one of table, query, file (got {', '.join(given) or 'none'})")
        return self


class SourceSettings(StrictModel):
    kind: SourceKind
    path: str | None = None
    url: str | None = None
    datasets: dict[str, DatasetSettings]
    chunk_rows: int = Field(default=100_000, gt=0)
