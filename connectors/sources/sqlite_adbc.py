"""The fast way to read SQLite: the ADBC driver hands over Arrow batches built in C.

It is 5-7× faster than ``sqlite3`` rows turned into Arrow, but it types a column from the
first batch it reads (:data:`BATCH_ROWS` rows) and refuses a later value of another
storage class ("Type mismatch"). So the source uses it optimistically:

- :func:`first_batch_types` looks at the first batch of the very statement that will be
  read and keeps a column's type only when that batch settles it the way kind sqlite's
  typing rule would (see :func:`settled_type`); the other columns are checked in SQL;
- :func:`read_arrow` streams the batches and turns a later mismatch, or text that is not
  UTF-8, into :class:`~stx_migrate.migration.snapshot.ReadAgain`: the dataset is then
  read again the exact (slower) way. Nothing is guessed into the snapshot.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from stx_migrate.migration.snapshot import ReadAgain

BATCH_ROWS = 65_536
_TEXT_AFFINITY = ("CHAR", "CLOB", "TEXT")


def connect(path: Path):
    """An ADBC connection to ``path``, read-only (one read transaction: one consistent picture)."""
    import adbc_driver_sqlite.dbapi as adbc

    return adbc.connect(f"{path.resolve().as_uri()}?mode=ro")


class ArrowStatement:
    """One executed SELECT: its first batch is read at once (it fixes the types), the rest on demand."""

    def __init__(self, conn, sql: str):
        self.cursor = conn.cursor()
        self.cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        self.cursor.execute(sql)
        self.reader = self.cursor.fetch_record_batch()
        self.first: pa.RecordBatch | None = _next(self.reader)

    def close(self) -> None:
        try:
            self.cursor.close()
        except Exception:  # a reader left half-read: closing the connection frees it
            pass


def _next(reader) -> pa.RecordBatch | None:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def has_text_affinity(declared: str) -> bool:
    """SQLite stores any number given to a TEXT-affinity column as text: such a column holds text, blobs, NULL."""
    return any(t in declared.upper() for t in _TEXT_AFFINITY)


def settled_type(column: pa.Array, declared: str) -> pa.DataType | None:
    """The column's type if the first batch settles it, else None (then SQL decides).

    int64 and float64 are settled: a later value of another class makes ADBC refuse the
    batch. Text is settled only in a TEXT-affinity column (elsewhere ADBC may have turned
    numbers into text its own way). All-NULL and blob columns are never settled.
    """
    if column.null_count == len(column):
        return None
    if pa.types.is_int64(column.type) or pa.types.is_float64(column.type):
        return column.type
    if pa.types.is_string(column.type) and has_text_affinity(declared):
        return column.type
    return None


def read_arrow(statement: ArrowStatement, schema: pa.Schema, dataset: str) -> Iterator[pa.RecordBatch]:
    """The statement's batches cast to ``schema``; ReadAgain when the data leaves it."""
    from adbc_driver_sqlite.dbapi import Error

    text_columns = [i for i, f in enumerate(schema) if pa.types.is_string(f.type)]
    batch = statement.first
    try:
        while batch is not None:
            yield _fit(batch, schema, text_columns, dataset)
            batch = _next(statement.reader)
    except (Error, OSError) as e:
        if "mismatch" not in str(e).lower():
            raise
        raise ReadAgain(dataset, "a column holds values of another storage class further on") from None
    finally:
        statement.close()


def _fit(batch: pa.RecordBatch, schema: pa.Schema, text_columns: list[int], dataset: str) -> pa.RecordBatch:
    if not batch.schema.equals(schema):
        try:
            batch = batch.cast(schema)  # an all-NULL stretch typed int64 by the driver
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ReadAgain(dataset, "a column's values do not fit the type its first rows gave") from None
    for i in text_columns:
        try:
            batch.column(i).validate(full=True)  # a blob in a text column may not be UTF-8
        except pa.ArrowInvalid:
            raise ReadAgain(dataset, "a text column holds bytes that are not UTF-8") from None
    return batch
