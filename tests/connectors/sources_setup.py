"""Each kind's case: write ``people`` into it (a file, or a table on a real server)."""
from __future__ import annotations

import sqlite3

import pyarrow as pa

from cases import COLUMNS, Case, as_text, people_rows


def _csv(encoding: str, delimiter: str, newline: str = "\r\n"):
    def make(tmp_path, request) -> dict:
        import csv
        import io

        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
        writer.writerow(COLUMNS)
        for row in people_rows():
            writer.writerow(as_text(row))
        text = buffer.getvalue()
        if encoding == "cp1252":  # characters Windows-1252 has no place for
            text = text.replace("Š", "S").replace("á", "a")
        (tmp_path / "people.csv").write_bytes(text.encode(encoding))
        return {"kind": "csv", "datasets": {"people": {"file": "people.csv"}}}

    return make


def _csv_expect(encoding: str):
    def expect(row):
        values = as_text(row)
        if encoding == "cp1252":
            values = tuple(v.replace("Š", "S").replace("á", "a") for v in values)
        return values

    return expect


def _sqlite(tmp_path, request) -> dict:
    path = tmp_path / "legacy.sqlite"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, town VARCHAR(40), born DATE, amount NUMERIC(8,2))")
        c.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?)",
                      [(i, n, t, b.isoformat(), str(a)) for i, n, t, b, a in people_rows()])
    return {"kind": "sqlite", "path": "legacy.sqlite", "datasets": {"people": {"table": "people"}}}


def _sqlite_expect(row):
    i, name, town, born, amount = row
    # NUMERIC affinity stores 7.01 as a REAL: SQLite holds a float, and that is what is read
    return (i, name, town, born.isoformat(), float(amount))


TEXT = pa.string()

CASES: list[Case] = [
    Case("csv-utf8-comma", _csv("utf-8", ","), {c: TEXT for c in COLUMNS}, _csv_expect("utf-8")),
    Case("csv-cp1252-semicolon", _csv("cp1252", ";"), {c: TEXT for c in COLUMNS}, _csv_expect("cp1252")),
    Case("csv-utf8bom-tab-lf", _csv("utf-8-sig", "\t", "\n"), {c: TEXT for c in COLUMNS}, _csv_expect("utf-8")),
    Case("csv-utf16-semicolon", _csv("utf-16", ";"), {c: TEXT for c in COLUMNS}, _csv_expect("utf-16")),
    Case("sqlite", _sqlite, {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": TEXT, "amount": pa.float64()},
         _sqlite_expect, key=["id"]),
]


# -- real servers ---------------------------------------------------------------------------------
_CREATED: set[str] = set()
PASSWORD_VARIABLE = "STX_TEST_SOURCE_PASSWORD"


def _pg_people(server) -> None:
    if "pg" in _CREATED:
        return
    import psycopg

    with psycopg.connect(**server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS people")
        c.execute("CREATE TABLE people (id integer PRIMARY KEY, name text, town varchar(40), born date, amount numeric(8,2))")
        with c.cursor() as cur:
            # inserted in reverse order: the reader must order by the primary key
            cur.executemany("INSERT INTO people VALUES (%s, %s, %s, %s, %s)", list(reversed(people_rows())))
    _CREATED.add("pg")


def _mariadb_people(server) -> None:
    if "mariadb" in _CREATED:
        return
    import mysql.connector

    c = mysql.connector.connect(**server.connect_kwargs(), charset="utf8mb4")
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS people")
    cur.execute("CREATE TABLE people (id INT PRIMARY KEY, name TEXT, town VARCHAR(40), born DATE, amount DECIMAL(8,2))"
                " CHARACTER SET utf8mb4")
    cur.executemany("INSERT INTO people VALUES (%s, %s, %s, %s, %s)", list(reversed(people_rows())))
    c.commit()
    c.close()
    _CREATED.add("mariadb")


def _postgresql(tmp_path, request) -> dict:
    import os

    server = request.getfixturevalue("pg_server")
    _pg_people(server)
    os.environ[PASSWORD_VARIABLE] = server.password
    return {"kind": "postgresql", "url": f"postgresql://{server.user}@{server.host}:{server.port}/{server.dbname}",
            "password": "${env:" + PASSWORD_VARIABLE + "}", "datasets": {"people": {"table": "people"}}}


def _mysql(tmp_path, request) -> dict:
    import os

    server = request.getfixturevalue("mariadb_server")
    _mariadb_people(server)
    os.environ[PASSWORD_VARIABLE] = server.password
    return {"kind": "mysql", "url": f"mysql://{server.user}:${{env:{PASSWORD_VARIABLE}}}@{server.host}:{server.port}/{server.database}",
            "datasets": {"people": {"table": "people"}}}


def _odbc_postgresql(tmp_path, request) -> dict:
    import os

    server = request.getfixturevalue("pg_server")
    _pg_people(server)
    os.environ[PASSWORD_VARIABLE] = server.password
    return {"kind": "odbc", "url": f"DRIVER={{PostgreSQL Unicode}};SERVER={server.host};PORT={server.port};DATABASE={server.dbname};UID={server.user}",
            "password": "${env:" + PASSWORD_VARIABLE + "}", "datasets": {"people": {"table": "people"}}}


def _odbc_mariadb(tmp_path, request) -> dict:
    import os

    server = request.getfixturevalue("mariadb_server")
    _mariadb_people(server)
    os.environ[PASSWORD_VARIABLE] = server.password
    return {"kind": "odbc", "url": f"DRIVER={{MariaDB Unicode}};SERVER={server.host};PORT={server.port};DATABASE={server.database};UID={server.user};CHARSET=utf8mb4",
            "password": "${env:" + PASSWORD_VARIABLE + "}", "datasets": {"people": {"table": "people"}}}


def _typed(row):
    return row


DECIMAL = pa.decimal128(8, 2)
CASES += [
    Case("postgresql", _postgresql, {"id": pa.int32(), "name": TEXT, "town": TEXT, "born": pa.date32(), "amount": DECIMAL},
         _typed, key=["id"]),
    Case("mysql-mariadb", _mysql, {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": pa.date32(), "amount": DECIMAL},
         _typed, key=["id"]),
    Case("odbc-postgresql", _odbc_postgresql, {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": pa.date32(), "amount": DECIMAL},
         _typed, key=["id"]),
    Case("odbc-mariadb", _odbc_mariadb, {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": pa.date32(), "amount": DECIMAL},
         _typed, key=["id"]),
]


# -- workbooks (generated here, real files) ----------------------------------------------------------
def _xlsx(tmp_path, request) -> dict:
    import datetime as dt

    import xlsxwriter

    workbook = xlsxwriter.Workbook(tmp_path / "people.xlsx")
    workbook.add_worksheet("Notes").write_row(0, 0, ["not", "this", "sheet"])
    sheet = workbook.add_worksheet("People")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, COLUMNS)
    for r, (i, name, town, born, amount) in enumerate(people_rows(), start=1):
        sheet.write_number(r, 0, i)
        sheet.write_string(r, 1, name)
        if town is not None:
            sheet.write_string(r, 2, town)
        sheet.write_datetime(r, 3, dt.datetime.combine(born, dt.time()), date_format)
        sheet.write_number(r, 4, float(amount))
    workbook.close()
    return {"kind": "excel", "datasets": {"people": {"file": "people.xlsx", "sheet": "People"}}}


def _xls(tmp_path, request) -> dict:
    import datetime as dt

    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("People")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for c, name in enumerate(COLUMNS):
        sheet.write(0, c, name)
    for r, (i, name, town, born, amount) in enumerate(people_rows(), start=1):
        sheet.write(r, 0, i)
        sheet.write(r, 1, name)
        if town is not None:
            sheet.write(r, 2, town)
        sheet.write(r, 3, dt.datetime.combine(born, dt.time()), date_style)
        sheet.write(r, 4, float(amount))
    workbook.save(str(tmp_path / "people.xls"))
    return {"kind": "excel", "path": "people.xls", "datasets": {"people": {}}}


def _workbook_expect(id_type):
    import datetime as dt

    def expect(row):
        i, name, town, born, amount = row
        return (id_type(i), name, town, dt.datetime.combine(born, dt.time()), float(amount))

    return expect


MS = pa.timestamp("ms")
CASES += [
    Case("excel-xlsx", _xlsx, {"id": pa.float64(), "name": TEXT, "town": TEXT, "born": MS, "amount": pa.float64()},
         _workbook_expect(float)),
    Case("excel-xls", _xls, {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": MS, "amount": pa.float64()},
         _workbook_expect(int)),
]


# -- SQL Server and Oracle: only when a real server is given ------------------------------------------
def _sqlalchemy_people(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    table = sa.Table("people", meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("name", sa.Unicode(100)), sa.Column("town", sa.Unicode(40)),
                     sa.Column("born", sa.Date), sa.Column("amount", sa.Numeric(8, 2)))
    with engine.begin() as c:
        meta.drop_all(c)
        meta.create_all(c)
        c.execute(table.insert(), [dict(zip(COLUMNS, r)) for r in reversed(people_rows())])
    engine.dispose()


def _server_case(kind: str, variable: str):
    def make(tmp_path, request) -> dict:
        import os

        url = os.environ[variable]
        if kind not in _CREATED:
            _sqlalchemy_people(url)
            _CREATED.add(kind)
        return {"kind": kind, "url": url, "datasets": {"people": {"table": "people"}}}

    return make


def _oracle_expect(row):
    import datetime as dt

    i, name, town, born, amount = row
    return (i, name, town, dt.datetime.combine(born, dt.time()), amount)  # an Oracle DATE has a time of day


def _needs(variable: str):
    import os

    import pytest

    return [pytest.mark.skipif(not os.environ.get(variable), reason=f"set {variable} to run against a real server")]


CASES += [
    Case("mssql-real-server", _server_case("mssql", "STX_TEST_MSSQL_URL"),
         {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": pa.date32(), "amount": DECIMAL}, _typed, key=["id"],
         marks=_needs("STX_TEST_MSSQL_URL")),
    Case("oracle-real-server", _server_case("oracle", "STX_TEST_ORACLE_URL"),
         {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": pa.timestamp("us"), "amount": DECIMAL}, _oracle_expect,
         key=["id"], marks=_needs("STX_TEST_ORACLE_URL")),
]


# -- plain SQL dumps (written here in each dump tool's own style) ------------------------------------
def _mysql_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"')
        return f"'{escaped}'"
    if hasattr(value, "isoformat"):
        return f"'{value.isoformat()}'"
    return str(value)


def _mysqldump(tmp_path, request) -> dict:
    rows = people_rows()
    values = ",".join("(" + ",".join(_mysql_literal(v) for v in r) + ")" for r in rows[:10])
    more = ",".join("(" + ",".join(_mysql_literal(v) for v in r) + ")" for r in rows[10:])
    text = f"""-- MySQL dump 10.13  Distrib 8.0.36
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `people`;
CREATE TABLE `people` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` text COLLATE utf8mb4_unicode_ci,
  `town` varchar(40) DEFAULT NULL,
  `born` date DEFAULT NULL,
  `amount` decimal(8,2) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_town` (`town`)
) ENGINE=InnoDB AUTO_INCREMENT=24 DEFAULT CHARSET=utf8mb4;
LOCK TABLES `people` WRITE;
INSERT INTO `people` VALUES {values};
INSERT INTO `people` VALUES {more};
UNLOCK TABLES;
"""
    (tmp_path / "rodrigue.sql").write_text(text, encoding="utf-8")
    return {"kind": "sql-dump", "path": "rodrigue.sql", "datasets": {"people": {"table": "people"}}}


def _pg_copy_field(value) -> str:
    if value is None:
        return "\\N"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _pg_dump(tmp_path, request) -> dict:
    rows = people_rows()
    copy = "\n".join("\t".join(_pg_copy_field(v) for v in r) for r in rows[:12])

    def literal(v):
        if v is None:
            return "NULL"
        if isinstance(v, str) or hasattr(v, "isoformat"):
            return "'" + (v.isoformat() if hasattr(v, "isoformat") else v).replace("'", "''") + "'"
        return str(v)

    inserts = "\n".join(f"INSERT INTO public.people VALUES ({', '.join(literal(v) for v in r)});" for r in rows[12:])
    text = f"""--
-- PostgreSQL database dump
--
SET statement_timeout = 0;
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.people (
    id integer NOT NULL,
    name text,
    town character varying(40),
    born date,
    amount numeric(8,2)
);
ALTER TABLE public.people OWNER TO legacy;
COPY public.people (id, name, town, born, amount) FROM stdin;
{copy}
\\.
{inserts}
ALTER TABLE ONLY public.people
    ADD CONSTRAINT people_pkey PRIMARY KEY (id);
"""
    (tmp_path / "legacy_pg.sql").write_text(text, encoding="utf-8")
    return {"kind": "sql-dump", "path": "legacy_pg.sql", "datasets": {"people": {"table": "people"}}}


SQLITE_TYPES = {"id": pa.int64(), "name": TEXT, "town": TEXT, "born": TEXT, "amount": pa.float64()}
CASES += [
    Case("sql-dump-mysqldump", _mysqldump, SQLITE_TYPES, _sqlite_expect, key=["id"]),
    Case("sql-dump-pg_dump", _pg_dump, SQLITE_TYPES, _sqlite_expect),  # the key is an ALTER TABLE: not read
]
