"""The protocol language as a strict model tree (``protocol.yaml``, docs/protocol.md).

A protocol says which source datasets feed the contacts and how they join, which
SecuTix column each output column comes from, and the pipeline of named operations
applied to it. Steps are kept raw here (``{name: params}``); :mod:`.compile` checks
each against the operation registry and the snapshot's columns.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..settings.base import StrictModel

_YAML_BOOL_HINT = "YAML reads a bare NO, YES, ON, OFF, Y, N as true/false: quote the column name (\"NO\")"


def _no_yaml_bools(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) for v in items):
        raise ValueError(_YAML_BOOL_HINT)
    return value


class Join(StrictModel):
    """A many-to-one join: each main row gets at most one row of ``dataset``.

    ``main_key`` is the main dataset's column, ``key`` the joined dataset's column;
    the joined columns are referred to as ``<dataset>.<column>``. (Not ``on``: YAML
    1.1 reads a bare ``on`` as ``true``.)
    """

    dataset: str
    main_key: str
    key: str

    _names = field_validator("main_key", "key", mode="before")(classmethod(lambda cls, v: _no_yaml_bools(v)))


class Measure(StrictModel):
    """One measure of an aggregate: ``count`` (rows, or non-empty ``column`` values), ``sum``,
    ``min``/``max`` (numbers, or dates read with ``formats``), ``first``/``last`` (child order,
    empty values skipped), ``distinct`` (sorted, joined by ``separator``)."""

    op: Literal["count", "sum", "min", "max", "first", "last", "distinct"]
    column: str | None = None
    formats: list[str] | None = Field(default=None, min_length=1)   # min/max: dates, given as YYYY-MM-DD
    century_pivot: int = Field(default=30, ge=0, le=99)
    separator: str = "|"

    _names = field_validator("column", mode="before")(classmethod(lambda cls, v: _no_yaml_bools(v)))

    @model_validator(mode="after")
    def _fits_op(self) -> "Measure":
        if self.op != "count" and self.column is None:
            raise ValueError(f"{self.op} needs a column")
        if self.formats is not None and self.op not in ("min", "max"):
            raise ValueError("formats is for min and max only (dates)")
        if self.separator != "|" and self.op != "distinct":
            raise ValueError("separator is for distinct only")
        return self


class Pivot(StrictModel):
    """A child table turned into columns ``<name>.<KEY>``, one per declared key value.

    Several child rows with the same key are joined with ``separator`` in the child
    table's order (criteria ``v1|v2``) or, with ``keep: first``, only the first is kept.
    """

    name: str
    dataset: str
    parent: str                      # the child table's column holding the main row's key
    main_key: str                    # the main dataset's column it points to
    key: str                         # child column whose value names the new column
    value: str                       # child column whose value fills it
    keys: list[str] = Field(min_length=1)
    keep: Literal["all", "first"] = "all"
    separator: str = "|"

    _names = field_validator("parent", "main_key", "key", "value", "keys", mode="before")(
        classmethod(lambda cls, v: _no_yaml_bools(v)))


class Aggregate(StrictModel):
    """A child table grouped by the contact key: columns ``<name>.<measure>`` (sales history as indicators)."""

    name: str
    dataset: str
    key: str                         # the child table's column holding the contact key
    main_key: str                    # the main dataset's column it matches
    measures: dict[str, Measure] = Field(min_length=1)

    _names = field_validator("key", "main_key", mode="before")(classmethod(lambda cls, v: _no_yaml_bools(v)))


class Datasets(StrictModel):
    main: str                        # the contact table: one output row per row of it
    joins: list[Join] = Field(default_factory=list)
    pivots: list[Pivot] = Field(default_factory=list)
    aggregates: list[Aggregate] = Field(default_factory=list)


class Filter(StrictModel):
    """A row filter by a named, registered rule; dropped rows carry ``code`` as their reason."""

    rule: str
    code: str | None = None          # reason code; the rule's own name in upper case when absent
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "").isalnum():
            raise ValueError("use letters, digits and '_' only")
        return value


class ColumnRule(StrictModel):
    """One output column: its input(s) and the steps applied to them in order."""

    from_: str | list[str] | None = Field(default=None, alias="from")
    steps: list[str | dict[str, Any]] = Field(default_factory=list)

    _names = field_validator("from_", mode="before")(classmethod(lambda cls, v: _no_yaml_bools(v)))


class ContactNumberRule(StrictModel):
    """Where the source's contact number is (policy and range live in project.yaml)."""

    from_: str | None = Field(default=None, alias="from")

    _names = field_validator("from_", mode="before")(classmethod(lambda cls, v: _no_yaml_bools(v)))


class ProtocolModel(StrictModel):
    version: Literal[1] = 1
    description: str = ""
    datasets: Datasets
    filters: list[Filter] = Field(default_factory=list)
    contact_number: ContactNumberRule = ContactNumberRule()
    columns: dict[str, ColumnRule]
