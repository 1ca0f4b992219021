"""The project's ``source`` block (architecture §4): where the customer's extraction comes from.

The keys of architecture §4 are a contract (``kind``, ``path`` or ``url``, ``datasets`` as
``table`` / ``query`` / ``file``); the others are ours. Secrets are references only
(``${env:NAME}`` or ``${secret:BLOCK}``), resolved at connect time by
``connectors/secrets.py``. docs/sources.md lists what each kind accepts.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import SECRET_REFERENCE, StrictModel, check_no_literal_password

SourceKind = Literal["csv", "excel", "sqlite", "postgresql", "mysql", "mssql", "oracle", "access", "odbc", "sql-dump",
                     "secutix-file"]

FILE_KINDS = ("csv", "excel")                    # a dataset is a file (and a sheet)
PATH_DATABASE_KINDS = ("sqlite", "access", "sql-dump")  # one database file, datasets are tables / queries
SERVER_KINDS = ("postgresql", "mysql", "mssql", "oracle", "odbc")  # reached through `url`
SECUTIX_FILE = "secutix-file"    # the customer's own SecuTix import file: one dataset, read by its codes row
SECUTIX_DATASET = "contacts"     # its dataset's name (source_ref = contacts:<data row number>)


class DatasetSettings(StrictModel):
    """One dataset: a whole table, a SQL query, or a file (with sheet / encoding / delimiter)."""

    table: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    query: str | None = None
    file: str | None = None
    sheet: str | None = None
    encoding: str | None = None        # csv: declared encoding; detected when absent
    delimiter: str | None = None       # csv: declared delimiter; detected when absent
    header_row: int = Field(default=1, ge=1)  # csv / excel: the row holding the column names (1-based)
    key: list[str] | str | None = None  # primary key columns used in source_ref; table PK or row number when absent
    ordered: bool = True               # tables: read in key order (same rows → same snapshot hash); false = source order, faster

    @model_validator(mode="after")
    def _one_origin(self) -> "DatasetSettings":
        given = [name for name in ("table", "query", "file") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(f"give only one of table, query, file (got {', '.join(given)})")
        return self

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None:
            value = {"\\t": "\t", "tab": "\t"}.get(value, value)
            if len(value) != 1:
                raise ValueError("a delimiter is one character (use \\t for a tab)")
        return value

    @property
    def key_columns(self) -> list[str] | None:
        if self.key is None:
            return None
        return [self.key] if isinstance(self.key, str) else list(self.key)


class SourceSettings(StrictModel):
    kind: SourceKind
    path: str | None = None            # file kinds and database files, relative to the project folder
    url: str | None = None             # servers: SQLAlchemy URL (odbc: an ODBC connection string or DSN=…)
    password: str | None = None        # a reference only; put into the url / connection string at connect time
    sheet: str | None = None           # secutix-file: the import sheet (the first one when absent)
    encoding: str | None = None        # secutix-file (.csv): forced encoding; detected when absent
    datasets: dict[str, DatasetSettings]
    # rows per chunk read (memory bound); the default is the snapshot's row group (128 Ki rows), so that a
    # chunk read is a row group written at once instead of waiting for part of the next chunk
    chunk_rows: int = Field(default=131_072, gt=0)

    _url_without_password = field_validator("url")(check_no_literal_password)

    @model_validator(mode="before")
    @classmethod
    def _secutix_file_dataset(cls, data):
        """A secutix-file source has one dataset, ``contacts``: the file itself (no ``datasets`` to write)."""
        if isinstance(data, dict) and data.get("kind") == SECUTIX_FILE:
            if data.get("datasets"):
                raise ValueError(f"kind {SECUTIX_FILE} reads one file by its codes row: give path (and sheet), "
                                 "not datasets")
            data = {**data, "datasets": {SECUTIX_DATASET: {}}}
        return data

    @field_validator("password")
    @classmethod
    def _reference_only(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_REFERENCE.match(value):
            raise ValueError("write a reference, ${env:NAME} or ${secret:BLOCK}, never the password itself")
        return value

    @field_validator("datasets")
    @classmethod
    def _dataset_names(cls, value: dict[str, DatasetSettings]) -> dict[str, DatasetSettings]:
        import re

        if not value:
            raise ValueError("name at least one dataset")
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
                raise ValueError(f"dataset name {name!r}: use letters, digits, '_' and '-' (it names a Parquet file)")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> "SourceSettings":
        problems = []
        if self.kind == SECUTIX_FILE:
            if not self.path:
                problems.append(f"path: kind {SECUTIX_FILE} needs the file's path (.xlsx in the template layout or .csv)")
        elif self.kind in FILE_KINDS:
            for name, ds in self.datasets.items():
                if ds.table or ds.query:
                    problems.append(f"datasets › {name}: kind {self.kind} reads files; give file (and sheet), not table/query")
                elif not ds.file and not self.path:
                    problems.append(f"datasets › {name}: give file (or the source's path)")
        else:
            for name, ds in self.datasets.items():
                if not (ds.table or ds.query):
                    problems.append(f"datasets › {name}: kind {self.kind} reads tables; give table or query")
            if self.kind in PATH_DATABASE_KINDS and not self.path and not (self.kind == "sqlite" and self.url):
                problems.append(f"path: kind {self.kind} needs the database file's path")
            if self.kind in SERVER_KINDS and not self.url:
                problems.append(f"url: kind {self.kind} needs a url (with its password as ${{env:NAME}} or ${{secret:BLOCK}})")
        if self.kind != SECUTIX_FILE and (self.sheet or self.encoding):
            problems.append("sheet, encoding: only for kind secutix-file (other kinds set them per dataset)")
        if problems:
            raise ValueError("; ".join(problems))
        return self
