"""Bulk loading of frames into (temporary) tables: COPY on PostgreSQL, one JSON array on SQLite.

Every value travels as text or integer; an empty or missing value becomes NULL.
These helpers run inside the caller's transaction on the caller's connection.

Large SQLite loads go through a scratch file instead (``write_scratch``): the ADBC SQLite
driver writes Arrow data into a fresh file beside the store about 4x faster than
``executemany`` binds it, and the store's connection ATTACHes that file and copies the
rows with INSERT … SELECT inside its own transaction. The scratch file is not part of
the store: the store's transaction covers only the INSERT … SELECT, so atomicity and
crash safety are those of the store. The file is deleted when the transaction ends
(``drop_scratch``); a file left by a killed process is deleted by the next ``open_store``.
"""
from __future__ import annotations

import glob
import io
import itertools
import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection

INTEGER = "int"
TEXT = "text"


def column_types(frame: pd.DataFrame) -> dict[str, str]:
    """``int`` for integer columns, ``text`` for everything else."""
    return {c: INTEGER if pd.api.types.is_integer_dtype(frame[c].dtype) else TEXT for c in frame.columns}


def create_temp_table(conn: Connection, name: str, types: dict[str, str]) -> None:
    """A fresh temporary table ``name`` (dropped first if it exists in this session)."""
    int_type = "INTEGER" if conn.dialect.name == "sqlite" else "BIGINT"
    cols = ", ".join(f"{c} {int_type if t == INTEGER else 'TEXT'}" for c, t in types.items())
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({cols})")


def load_temp(conn: Connection, name: str, frame: pd.DataFrame) -> None:
    """Create temporary table ``name`` shaped like ``frame`` and load every row into it.

    Columns with no value at all are created but not sent (they stay NULL): a SecuTix
    file fills a third of its columns, so this halves what travels.
    """
    create_temp_table(conn, name, column_types(frame))
    if len(frame):
        filled = [c for c in frame.columns if _has_values(frame[c])]
        insert_frame(conn, name, frame[filled] if len(filled) < len(frame.columns) else frame)


def _has_values(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return bool(s.notna().any())
    return bool(((s != "") & s.notna()).any())


def insert_frame(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s rows to ``table`` (columns by name; "" and NA become NULL)."""
    if not len(frame):
        return
    if conn.dialect.name == "postgresql":
        _copy_postgres(conn, table, frame)
    else:
        _insert_json(conn, table, frame)


def fetch_frame(conn: Connection, sql: str, columns: list[str]) -> pd.DataFrame:
    """Run trusted ``sql`` (no parameters) on the DBAPI cursor and return its rows as a frame.

    Plain tuples, not SQLAlchemy rows: pandas probes every row object it is given.
    """
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(sql)
        rows = cur.fetchall()
    finally:
        cur.close()
    return pd.DataFrame.from_records(rows, columns=columns)


def _arrow_columns(frame: pd.DataFrame) -> list[pa.Array]:
    arrays = []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_integer_dtype(s.dtype):
            arrays.append(pa.array(s.to_numpy(dtype=np.int64, na_value=0) if not s.hasnans else s, type=pa.int64(), from_pandas=True))
        else:  # "" → null in Arrow (a pandas ``where`` on string data copies through Python objects)
            values = pa.array(s.array if isinstance(s.dtype, pd.StringDtype) else s.astype("str").array,
                              type=pa.large_string(), from_pandas=True)
            arrays.append(pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.large_string()), values))
    return arrays


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of int64 and string columns ("" and NA → null)."""
    return pa.Table.from_arrays(_arrow_columns(frame), names=list(frame.columns))


def csv_payload(frame: pd.DataFrame) -> io.BytesIO:
    """``frame`` as the CSV text ``COPY … (FORMAT csv)`` reads (no header; null = empty field)."""
    return csv_of_arrow(arrow_table(frame))


def csv_of_arrow(table: pa.Table) -> io.BytesIO:
    """An Arrow table as the CSV text ``COPY … (FORMAT csv)`` reads (no header; null = empty field)."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer


def copy_csv(conn: Connection, table: str, columns: list[str], payload: io.BytesIO) -> None:
    """PostgreSQL: ``COPY table (columns)`` from a CSV payload, sent in 1 MiB pieces."""
    cols = ", ".join(columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            view = payload.getbuffer()
            step = 1 << 20
            for start in range(0, len(view), step):
                copy.write(view[start:start + step])
            del view


def _copy_postgres(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    copy_csv(conn, table, list(frame.columns), csv_payload(frame))


def _insert_json(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """SQLite: every row in one statement, read from one JSON array by ``json_each``.

    About 5x faster than ``executemany`` binding each value from Python (docs/store.md).
    """
    columns = [a.to_pylist() for a in _arrow_columns(frame)]
    cols = ", ".join(frame.columns)
    if len(columns) == 1:
        payload, select = json.dumps(columns[0], ensure_ascii=False), "value"
    else:
        payload = json.dumps(list(zip(*columns)), ensure_ascii=False)
        select = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    raw = conn.connection.driver_connection
    raw.execute(f"INSERT INTO {table} ({cols}) SELECT {select} FROM json_each(?)", (payload,))


SCRATCH_MARK = ".load-"


def scratch_files(store_file: str) -> list[str]:
    """Scratch files beside ``store_file`` (``<store>.load-<pid>-<n>``)."""
    return glob.glob(glob.escape(os.path.abspath(store_file)) + SCRATCH_MARK + "*")


def remove_stale_scratch(store_file: str) -> None:
    """Delete scratch files whose process is gone (a killed import leaves its file behind)."""
    for path in scratch_files(store_file):
        pid = path.rsplit(SCRATCH_MARK, 1)[1].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _unlink(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_scratch_numbers = itertools.count()


def write_scratch(store_file: str, tables: dict[str, pa.Table]) -> str:
    """SQLite: write ``tables`` into a fresh scratch file beside ``store_file`` (ADBC); returns its path.

    Touches no store connection, so the planner's thread does it while the writer writes
    the batch before; ``attach_scratch`` then takes it into the writer's transaction.
    """
    import adbc_driver_sqlite.dbapi as adbc

    path = os.path.abspath(store_file) + f"{SCRATCH_MARK}{os.getpid()}-{next(_scratch_numbers)}"
    _unlink(path)
    try:
        with adbc.connect(path, autocommit=True) as scratch:
            with scratch.cursor() as cur:
                cur.execute("PRAGMA journal_mode=OFF")  # disposable: no journal, no sync
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("BEGIN")  # one transaction for every table (the driver would commit each row)
                for table, arrow in tables.items():
                    cur.adbc_ingest(table, arrow, mode="create")
                cur.execute("COMMIT")
    except BaseException:
        _unlink(path)
        raise
    return path


def attach_scratch(conn: Connection, path: str) -> str:
    """ATTACH a scratch file inside the caller's transaction; returns its schema name.

    SQLite allows ATTACH in a transaction, not DETACH: ``drop_scratch`` detaches and
    deletes it once the transaction has ended.
    """
    attached = conn.info.setdefault("stx_scratch", [])
    schema = f"stx_load{len(attached)}"
    attached.append((schema, path))
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {schema}", (path,))
    return schema


def discard_scratch(path: str) -> None:
    """Delete a scratch file that will not be attached (its plan was dropped)."""
    _unlink(path)


def drop_scratch(conn: Connection) -> None:
    """Detach and delete the scratch files of the transaction that just ended."""
    raw = conn.connection.driver_connection  # autocommit: the store's transaction is over
    for schema, path in conn.info.pop("stx_scratch", []):
        try:
            raw.execute(f"DETACH DATABASE {schema}")
        finally:
            _unlink(path)


def _unlink(path: str) -> None:
    for p in (path, path + "-journal"):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
