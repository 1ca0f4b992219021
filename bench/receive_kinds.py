"""The source kinds bench_receive.py measures: for each, a generated project and its plain baselines.

Every kind holds the demo generator's clients (config/demo_data.py, N rows): the same
text a customer's legacy base holds. ``make(folder, rows)`` writes the project folder
(project.yaml + data, or a table in a throwaway server) and returns the datasets' row
counts; ``baselines`` are the fastest plain reads of the same data, each a function
returning the rows it read.
"""
from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

PASSWORD_VARIABLE = "STX_BENCH_DB_PASSWORD"  # the project files hold only a reference to it


@dataclass
class Kind:
    name: str
    make: Callable[[Path, int], dict[str, int]]
    baselines: dict[str, Callable[[], int]] = field(default_factory=dict)
    note: str = ""


def write_project(folder: Path, source: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = {"name": "bench-receive", "institution": "BENCH", "organization": "BENCH", "j_date": "2027-03-01", "source": source}
    (folder / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def clients(rows: int) -> pa.Table:
    from stx_migrate.config.demo_data import demo_tables

    return pa.Table.from_pandas(demo_tables(rows=rows)["clients"], preserve_index=False)


def _csv_bytes(table: pa.Table, header: bool = False) -> bytes:
    out = io.BytesIO()
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=header))
    return out.getvalue()


# -- SQLite: the demo project itself (clients, companies, criteria) ---------------------------------

def sqlite_kind() -> Kind:
    state: dict = {}

    def make(folder: Path, rows: int) -> dict[str, int]:
        from stx_migrate.config.demo_data import materialise_demo_project

        materialise_demo_project(folder, rows=rows)
        state["path"] = folder / "data" / "legacy.sqlite"
        # the tables the project declares (the demo's clients, companies, criteria, orders)
        declared = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))["source"]["datasets"]
        state["tables"] = [ds["table"] for ds in declared.values()]
        import sqlite3

        with sqlite3.connect(state["path"]) as c:
            return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in state["tables"]}

    def adbc() -> int:
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        with adbc_sqlite.connect(f"{state['path'].resolve().as_uri()}?mode=ro") as conn, conn.cursor() as cur:
            total = 0
            for table in state["tables"]:
                cur.execute(f"SELECT * FROM {table}")
                total += cur.fetch_arrow_table().num_rows
            return total

    def connectorx() -> int:
        import connectorx as cx

        url = f"sqlite://{state['path'].resolve()}"
        return sum(cx.read_sql(url, f"SELECT * FROM {t}", return_type="arrow").num_rows for t in state["tables"])

    return Kind("sqlite", make, {"ADBC → Arrow": adbc, "ConnectorX → Arrow": connectorx},
                note="the demo project: clients, companies, criteria, orders")


# -- CSV: the demo's clients.csv (Windows-1252, ';', CRLF) ---------------------------------------------

def csv_kind() -> Kind:
    state: dict = {}

    def make(folder: Path, rows: int) -> dict[str, int]:
        folder.mkdir(parents=True, exist_ok=True)
        state["path"] = folder / "clients.csv"
        clients(rows).to_pandas().to_csv(state["path"], sep=";", index=False, encoding="cp1252", errors="replace",
                                         lineterminator="\r\n")
        write_project(folder, {"kind": "csv", "datasets": {"clients": {"file": "clients.csv"}}})
        return {"clients": rows}

    def pyarrow_read() -> int:
        return pacsv.read_csv(state["path"], pacsv.ReadOptions(encoding="cp1252"), pacsv.ParseOptions(delimiter=";")).num_rows

    return Kind("csv", make, {"pyarrow read_csv": pyarrow_read}, note="cp1252, ';', CRLF; goal ≤ 3 s at 1M rows")


# -- PostgreSQL and MariaDB: the clients in a table of a throwaway server ----------------------------

def postgresql_kind(server) -> Kind:
    def make(folder: Path, rows: int) -> dict[str, int]:
        import psycopg

        table = clients(rows)
        with psycopg.connect(**server.connect_kwargs(), autocommit=True) as c:
            c.execute("DROP TABLE IF EXISTS clients")
            c.execute("CREATE TABLE clients (NUM_CLIENT bigint PRIMARY KEY, "
                      + ", ".join(f'"{n}" text' for n in table.column_names[1:]) + ")")
            with c.cursor().copy("COPY clients FROM STDIN (FORMAT csv)") as copy:
                copy.write(_csv_bytes(table))
            c.execute("VACUUM ANALYZE clients")
        os.environ[PASSWORD_VARIABLE] = server.password
        write_project(folder, {"kind": "postgresql", "url": f"postgresql://{server.user}@{server.host}:{server.port}/{server.dbname}",
                               "password": "${env:" + PASSWORD_VARIABLE + "}", "datasets": {"clients": {"table": "clients"}}})
        return {"clients": rows}

    def copy_arrow() -> int:
        import psycopg

        out = io.BytesIO()
        with psycopg.connect(**server.connect_kwargs()) as c, c.cursor().copy("COPY (SELECT * FROM clients) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                out.write(block)
        return pacsv.read_csv(io.BytesIO(out.getvalue()), pacsv.ReadOptions(autogenerate_column_names=True)).num_rows

    def connectorx() -> int:
        import connectorx as cx

        url = f"postgresql://{server.user}:{server.password}@{server.host}:{server.port}/{server.dbname}"
        return cx.read_sql(url, "SELECT * FROM clients", return_type="arrow").num_rows

    def adbc() -> int:
        import adbc_driver_postgresql.dbapi as adbc_pg
        from psycopg.conninfo import make_conninfo

        with adbc_pg.connect(make_conninfo(**server.connect_kwargs())) as conn, conn.cursor() as cur:
            cur.execute("SELECT * FROM clients")
            return cur.fetch_arrow_table().num_rows

    return Kind("postgresql", make, {"COPY → Arrow": copy_arrow, "ConnectorX → Arrow": connectorx, "ADBC → Arrow": adbc})


def mariadb_kind(server) -> Kind:
    def make(folder: Path, rows: int) -> dict[str, int]:
        import mysql.connector

        table = clients(rows)
        load = folder / "load.csv"
        folder.mkdir(parents=True, exist_ok=True)
        load.write_bytes(_csv_bytes(table))
        c = mysql.connector.connect(**server.connect_kwargs(), charset="utf8mb4", allow_local_infile=True,
                                    allow_local_infile_in_path=str(folder))
        cur = c.cursor()
        cur.execute("DROP TABLE IF EXISTS clients")
        cur.execute("CREATE TABLE clients (NUM_CLIENT bigint PRIMARY KEY, "
                    + ", ".join(f"`{n}` text" for n in table.column_names[1:]) + ") CHARACTER SET utf8mb4")
        cur.execute(f"LOAD DATA LOCAL INFILE '{load}' INTO TABLE clients CHARACTER SET utf8mb4 FIELDS TERMINATED BY ','"
                    " OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n'")
        c.commit()
        c.close()
        load.unlink()
        os.environ[PASSWORD_VARIABLE] = server.password
        write_project(folder, {"kind": "mysql", "url": f"mysql://{server.user}@{server.host}:{server.port}/{server.database}",
                               "password": "${env:" + PASSWORD_VARIABLE + "}", "datasets": {"clients": {"table": "clients"}}})
        return {"clients": rows}

    def connectorx() -> int:
        import connectorx as cx

        url = f"mysql://{server.user}:{server.password}@{server.host}:{server.port}/{server.database}"
        return cx.read_sql(url, "SELECT * FROM clients", return_type="arrow").num_rows

    def connectorx_two() -> int:  # ConnectorX's own split: two key ranges on two connections at once, as the receive reads
        import connectorx as cx

        url = f"mysql://{server.user}:{server.password}@{server.host}:{server.port}/{server.database}"
        return cx.read_sql(url, "SELECT * FROM clients", return_type="arrow", partition_on="NUM_CLIENT",
                           partition_num=2).num_rows

    return Kind("mariadb", make, {"ConnectorX → Arrow": connectorx, "ConnectorX, 2 partitions → Arrow": connectorx_two})


# -- Excel: the clients in an .xlsx sheet ---------------------------------------------------------------

def excel_kind() -> Kind:
    state: dict = {}

    def make(folder: Path, rows: int) -> dict[str, int]:
        import xlsxwriter

        folder.mkdir(parents=True, exist_ok=True)
        state["path"] = folder / "clients.xlsx"
        table = clients(rows)
        workbook = xlsxwriter.Workbook(state["path"], {"constant_memory": True})
        sheet = workbook.add_worksheet("Clients")
        sheet.write_row(0, 0, table.column_names)
        for start in range(0, rows, 50_000):
            part = table.slice(start, 50_000).to_pydict()
            for offset, values in enumerate(zip(*part.values())):
                sheet.write_row(1 + start + offset, 0, values)
        workbook.close()
        write_project(folder, {"kind": "excel", "datasets": {"clients": {"file": "clients.xlsx", "sheet": "Clients"}}})
        return {"clients": rows}

    def calamine() -> int:
        import fastexcel

        return fastexcel.read_excel(str(state["path"])).load_sheet(0).to_arrow().num_rows

    def calamine_eager() -> int:  # straight into Arrow: 2-5 % faster than the lazy sheet (python-calamine's lists: 1.5× slower)
        import fastexcel

        return fastexcel.read_excel(str(state["path"])).load_sheet(0, eager=True).num_rows

    return Kind("excel", make, {"calamine (fastexcel) → Arrow": calamine, "calamine eager → Arrow": calamine_eager},
                note="xlsx written by XlsxWriter; the baselines type columns on 1,000 rows, the command on every row")


# -- Access: the clients in a JET4 .mdb written by tests/access_writer.py (mdbtools only reads) ----------

ACCESS_DATES = ("DATE_NAISSANCE", "DERNIER_ACHAT")  # DateTime columns in Access: the generator's text parsed
_DATE_FORMATS = ((r"\d{4}-\d\d-\d\d", "%Y-%m-%d"), (r"\d\d/\d\d/\d{4}", "%d/%m/%Y"), (r"\d\d\.\d\d\.\d{4}", "%d.%m.%Y"),
                 (r"\d\d-\d\d-\d{4}", "%d-%m-%Y"), (r"\d\d/\d\d/\d\d", "%d/%m/%y"))
ACCESS_DATETIME = "%Y-%m-%d %H:%M:%S"  # what the command asks mdb-export for: the baseline asks the same


def _access_dates(text: pa.ChunkedArray) -> pa.Array:
    """The generator's legacy date text as Access would hold it: a DateTime, NULL where not a date."""
    import pandas as pd

    values = text.to_pandas()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for pattern, fmt in _DATE_FORMATS:
        match = values.str.fullmatch(pattern).fillna(False)
        parsed[match] = pd.to_datetime(values[match], format=fmt, errors="coerce")
    future = parsed > pd.Timestamp.now()            # two-digit years: 20th century when later than today
    parsed[future] = parsed[future] - pd.DateOffset(years=100)
    return pa.Array.from_pandas(parsed)


def access_kind() -> Kind:
    from access_writer import TABLE_NAME, Column, write_mdb

    state: dict = {}

    def make(folder: Path, rows: int) -> dict[str, int]:
        folder.mkdir(parents=True, exist_ok=True)
        table = clients(rows)
        table = table.set_column(0, "NUM_CLIENT", table.column("NUM_CLIENT").cast(pa.int32()))
        for name in ACCESS_DATES:
            table = table.set_column(table.schema.get_field_index(name), name, _access_dates(table.column(name)))
        columns = [Column(n, "long" if n == "NUM_CLIENT" else "datetime" if n in ACCESS_DATES else "text")
                   for n in table.column_names]

        def values():
            for batch in table.to_batches(max_chunksize=50_000):
                yield from zip(*(column.to_pylist() for column in batch.columns))

        state["path"] = folder / "clients.mdb"
        written = write_mdb(state["path"], columns, values())
        write_project(folder, {"kind": "access", "path": "clients.mdb",
                                "datasets": {"clients": {"table": TABLE_NAME, "key": "NUM_CLIENT"}}})
        return {"clients": written}

    def argv() -> list[str]:
        return ["mdb-export", "-D", ACCESS_DATETIME, "-T", ACCESS_DATETIME, str(state["path"]), TABLE_NAME]

    def mdb_export() -> int:
        out = subprocess.run(argv(), capture_output=True, check=True).stdout
        return pacsv.read_csv(io.BytesIO(out)).num_rows

    def mdb_export_streamed() -> int:  # pyarrow parses while mdb-export writes: both cores busy, as in the command
        with subprocess.Popen(argv(), stdout=subprocess.PIPE) as process:
            rows = pacsv.open_csv(process.stdout, pacsv.ReadOptions(block_size=4 << 20)).read_all().num_rows
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, argv())
        return rows

    return Kind("access", make, {"mdb-export → pyarrow CSV": mdb_export, "mdb-export | pyarrow CSV, streamed": mdb_export_streamed},
                note="JET4 .mdb written by tests/access_writer.py: Long Integer key, 13 Text, 2 DateTime columns")
