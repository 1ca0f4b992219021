"""The fast way to read PostgreSQL: the ADBC driver decodes binary COPY into Arrow in C.

It reads in its own connection, inside the picture the psycopg connection exported
(``pg_export_snapshot()`` there, ``SET TRANSACTION SNAPSHOT`` here): every dataset of a
receive still sees the database as it was when the receive began.

Only the types whose binary form ADBC decodes exactly as kind postgresql promises
(:data:`NATIVE`) travel as themselves. Every other column is asked as the text of its
type's own output function (``typoutput(col)::text``), which is what ``COPY … (FORMAT csv)``
writes, so the snapshot holds the same values as the COPY path, byte for byte.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

# bool, int8, int2, int4, text, float4, float8, bpchar, varchar, date, time, timestamp, timestamptz, name
NATIVE = {16, 20, 21, 23, 25, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 19}
OID = 26  # unsigned 32 bits: ADBC gives int32, which turns the upper half negative

# PostgreSQL's infinities overflow in ADBC's shift to the Unix epoch and land far below any
# real value (its dates start in 4713 BC); the COPY path refuses them, and so does this one
_LOWEST = {pa.date32(): -2_440_588, pa.timestamp("us"): -210_866_803_200_000_000}
_DAY_US = 86_400_000_000  # time '24:00:00' is valid in PostgreSQL, not in Arrow


class ValueOutOfRange(ValueError):
    pass


def connect(conninfo: str, snapshot: str):
    """An ADBC connection reading inside the exported ``snapshot`` (read-only, REPEATABLE READ)."""
    import adbc_driver_postgresql.dbapi as adbc

    conn = adbc.connect(conninfo, autocommit=True)  # the transaction is ours: BEGIN below
    try:
        for statement in ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                          f"SET TRANSACTION SNAPSHOT '{snapshot}'",  # PostgreSQL's own id: hex digits and dashes
                          "SET LOCAL TimeZone TO 'UTC'", "SET LOCAL DateStyle TO ISO, YMD", "SET LOCAL extra_float_digits TO 3"):
            run(conn, statement)
    except BaseException:
        conn.close()
        raise
    return conn


def run(conn, statement: str) -> None:
    """A statement without rows (ADBC's cursor.execute wraps everything in a COPY)."""
    with conn.cursor() as cur:
        cur.adbc_statement.set_sql_query(statement)
        cur.adbc_statement.execute_update()


def column_expression(name: str, oid: int, output_function: str | None):
    """How one column is selected so that ADBC gives what the COPY path gives."""
    from psycopg import sql

    column = sql.Identifier(name)
    if oid in NATIVE:
        return column
    if oid == OID:
        return sql.SQL("{}::int8 AS {}").format(column, column)
    # numeric, bytea, uuid, json, arrays, intervals, inet…: the text COPY writes (a text cast may differ:
    # inet's adds the mask length); the function name comes from pg_type, quoted by regproc's output
    return sql.SQL("{}({})::text AS {}").format(sql.SQL(output_function or "textout"), column, column)


def read_batches(conn, statement: str, schema: pa.Schema, block_bytes: int) -> Iterator[pa.RecordBatch]:
    """The statement's batches of about ``block_bytes`` with ``schema`` (numeric's text becomes decimal here)."""
    cur = conn.cursor()
    try:
        cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(block_bytes)})
        cur.execute(statement)
        reader = cur.fetch_record_batch()
        for batch in reader:
            yield conform(batch, schema)
    finally:
        cur.close()


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = []
    for column, field in zip(batch.columns, schema):
        if column.type != field.type:
            column = column.cast(field.type)   # numeric's text to decimal128; timestamptz's zone name
        check_range(column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=schema)   # ADBC's field metadata left out


def check_range(column: pa.Array) -> None:
    kind = column.type
    if column.null_count == len(column):
        return
    if pa.types.is_date32(kind) or pa.types.is_timestamp(kind):
        lowest = _LOWEST[pa.date32() if pa.types.is_date32(kind) else pa.timestamp("us")]
        if pc.min(column.cast(pa.int32() if pa.types.is_date32(kind) else pa.int64())).as_py() < lowest:
            raise ValueOutOfRange("infinity is not a date")
    elif pa.types.is_time64(kind) and pc.max(column.cast(pa.int64())).as_py() >= _DAY_US:
        raise ValueOutOfRange("24:00:00 is not a time of day")
