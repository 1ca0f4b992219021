"""Rows from a DB-API cursor into Arrow tables of a fixed schema, with a clear error on a bad value."""
from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence

import pyarrow as pa

from stx_migrate.migration.errors import InputError


def rows_to_table(rows: Sequence[Sequence], schema: pa.Schema, *, dataset: str, first_row: int, origin: str) -> pa.Table:
    """Build one table from row tuples; ``first_row`` is the 1-based number of ``rows[0]`` in the dataset.

    A value that does not fit its column's type raises InputError naming the dataset,
    the row number, the column and the value.
    """
    columns = list(zip(*rows)) if rows else [()] * len(schema)
    arrays = []
    for field, values in zip(schema, columns):
        try:
            arrays.append(_array(values, field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            offset, value = _first_misfit(values, field.type)
            raise InputError(
                f"value does not fit the column's type {field.type} ({origin})",
                dataset=dataset, row=first_row + offset, column=field.name, value=value,
            ) from None
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(values: Sequence, type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if not pa.types.is_string(type_):
            raise
        # a text column fed numbers, UUIDs, intervals...: their text, as the driver renders them
        return pa.array([_as_text(v) for v in values], type=type_)


def _as_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8")  # text a driver hands over undecoded (binary collations)
    return str(value)


def _first_misfit(values: Sequence, type_: pa.DataType) -> tuple[int, object]:
    for offset, value in enumerate(values):
        try:
            _array([value], type_)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            return offset, value
    return 0, None


def python_type_to_arrow(python_type: type | None, precision: int | None = None, scale: int | None = None) -> pa.DataType:
    """The Arrow type for a column whose driver announces values of ``python_type``.

    Decimals keep their precision and scale when the driver gives them (up to 38
    digits); otherwise they are kept as exact text. Anything unknown is text.
    """
    if python_type is bool:
        return pa.bool_()
    if python_type is int:
        return pa.int64()
    if python_type is float:
        return pa.float64()
    if python_type is decimal.Decimal:
        if precision and 0 < precision <= 38 and scale is not None and 0 <= scale <= precision:
            return pa.decimal128(precision, scale)
        return pa.string()
    if python_type is dt.datetime:
        return pa.timestamp("us")
    if python_type is dt.date:
        return pa.date32()
    if python_type is dt.time:
        return pa.time64("us")
    if python_type in (bytes, bytearray, memoryview):
        return pa.binary()
    return pa.string()
