"""The fast way to read MySQL/MariaDB: ConnectorX (Rust) streams the rows straight into Arrow.

mysql-connector-python builds a Python tuple per row: 5-10× slower on a big table. It
stays the reader of everything else (connection check, reflection, queries' descriptions,
and any dataset this path does not carry).

The path carries a dataset only when every column's announced type is one it gives
exactly as mysql-connector would: integers, doubles and text as ConnectorX reads them;
dates, datetimes and decimals as the server writes them in text (``CAST(… AS CHAR)``),
parsed by Arrow, so that no value goes through a float or a Rust decimal. The
stream's schema is checked before the first row; a value that does not fit later (a
zero date, an unsigned integer past int64…) raises ReadAgain and the dataset is read
again by mysql-connector, which says what is wrong with it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pyarrow as pa
import sqlalchemy as sa

from stx_migrate.migration.snapshot import ReadAgain

from .key_ranges import read_in_order

_AS_TEXT = (pa.types.is_date32, pa.types.is_decimal128)


def carried_as_text(type_: pa.DataType) -> bool:
    """Read as the server's text, then parsed by Arrow (exact for dates, datetimes and decimals)."""
    return any(check(type_) for check in _AS_TEXT) or (pa.types.is_timestamp(type_) and type_.tz is None)


def carries(schema: pa.Schema) -> bool:
    """Whether every column has a type this path gives exactly."""
    return all(pa.types.is_int64(f.type) or pa.types.is_float64(f.type) or pa.types.is_string(f.type)
               or carried_as_text(f.type) for f in schema)


def connectorx_url(url: sa.URL) -> str | None:
    """The URL ConnectorX takes (``mysql://user:password@host:port/db``), or None when it cannot reach the
    server the same way (a unix socket, or options it does not know)."""
    if set(url.query) - {"charset", "collation"} or not url.host:
        return None
    return url.set(drivername="mysql", query={}).render_as_string(hide_password=False)


def columns(schema: pa.Schema, column_of) -> list:
    """The SELECT list: each column as is, or cast to CHAR when Arrow parses its text."""
    return [sa.cast(column_of(f.name), sa.CHAR).label(f.name) if carried_as_text(f.type) else column_of(f.name)
            for f in schema]


def _fits(given: pa.DataType, wanted: pa.DataType) -> bool:
    if pa.types.is_int64(wanted):
        return pa.types.is_integer(given)
    if pa.types.is_float64(wanted):
        return pa.types.is_float64(given)
    return pa.types.is_string(given) or pa.types.is_large_string(given)  # text, or text Arrow parses


def open_stream(url: str, sql: str, schema: pa.Schema, batch_rows: int) -> pa.RecordBatchReader | None:
    """The stream of ``sql``'s rows, or None when ConnectorX cannot give it in the expected types."""
    import connectorx

    try:
        reader = connectorx.read_sql(url, sql, return_type="arrow_stream", batch_size=batch_rows)
    except Exception:  # not reachable this way, or a statement it refuses: the exact reader will say why
        return None
    if [f.name for f in reader.schema] != schema.names or not all(
            _fits(g.type, w.type) for g, w in zip(reader.schema, schema)):
        reader.close()
        return None
    return reader


def read_stream(reader: pa.RecordBatchReader, schema: pa.Schema, dataset: str) -> Iterator[pa.RecordBatch]:
    """The stream's batches in ``schema``; ReadAgain when a value does not fit it."""
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except BaseException:  # a Rust panic on a value it cannot convert is a BaseException
                raise ReadAgain(dataset, "ConnectorX could not convert a value") from None
            try:
                yield batch.cast(schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise ReadAgain(dataset, "a value does not fit its column's type as ConnectorX gives it") from None
    finally:
        reader.close()


def read_ranges(url: str, select: Callable[[int, int], str], ranges: list[tuple[int, int]], schema: pa.Schema,
                dataset: str) -> Iterator[pa.RecordBatch]:
    """Each key range of ``select(low, high)`` read whole by ConnectorX, given back in range order.

    ConnectorX's stream holds the GIL while it fetches (nothing else of the process runs: not the
    snapshot writer either); a whole read lets go of it. So a big table is read a range at a time,
    the writer encoding one range while the next ones arrive. Two ranges are read at once, each on
    its own connection (ConnectorX decodes a statement's rows on one core). With the server on this
    machine that gains no wall time (one reader: the same, with ≈ 0.2 s less CPU per million rows);
    with the server elsewhere, the two decoders have both cores to themselves. ReadAgain when a
    range cannot be given in ``schema``.
    """
    def read(sql: str) -> list[pa.RecordBatch]:
        import connectorx

        try:
            table = connectorx.read_sql(url, sql, return_type="arrow")
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:  # unreachable, or a value it cannot convert (a Rust panic is a BaseException)
            raise ReadAgain(dataset, "ConnectorX could not read a range") from None
        if table.schema.names != schema.names or not all(_fits(g.type, w.type) for g, w in zip(table.schema, schema)):
            raise ReadAgain(dataset, "ConnectorX gives a column in another type")
        try:
            return table.cast(schema).to_batches()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ReadAgain(dataset, "a value does not fit its column's type as ConnectorX gives it") from None

    # the statements are compiled here, in the caller's thread (SQLAlchemy's dialect is not the readers')
    reading = read_in_order(read, (select(low, high) for low, high in ranges), name="mysql-range")
    try:
        for batches in reading:
            yield from batches
    finally:
        reading.close()
