"""The bench's JET4 writer (tests/access_writer.py): what it writes, mdbtools 1.0 reads back exactly.

mdbtools is the only Access reader here, and the receive of kind access goes through it, so the
checks are its own tools (mdb-tables, mdb-schema, mdb-count, mdb-export), with nothing on stderr
(no "brute force" fallback: the usage maps are right), then the product's reader on the same file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess

import pyarrow as pa
import pytest

from access_writer import TABLE_NAME, Column, write_mdb
from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

pytestmark = pytest.mark.skipif(not shutil.which("mdb-export"), reason="mdbtools not installed (scripts/setup.sh --test)")

COLUMNS = [Column("NUM_CLIENT", "long"), Column("NOM", "text"), Column("PRENOM", "text"), Column("EMAIL", "text"),
           Column("ADRESSE", "text"), Column("CP", "text"), Column("VILLE", "text"),
           Column("DATE_NAISSANCE", "datetime"), Column("DERNIER_ACHAT", "datetime")]
AWKWARD = ["Zoë Dupré-Müller", 'O\'Brien, "Jr."', "rue de la Gare 3,\nCH-1003", "line\r\nbreak", "Мир", "漢字と",
           "tab\there", ";;,,", "x" * 255, "  padded  ", "ÿ" + "".join(chr(c) for c in range(0x20, 0x7F))]
DATETIME = "%Y-%m-%d %H:%M:%S"


def awkward_rows(n: int) -> list[tuple]:
    rows = []
    for i in range(n):
        text = AWKWARD[i % len(AWKWARD)]
        rows.append((
            -2**31 if i == 0 else 2**31 - 1 if i == 1 else 100_000 + i,
            text,
            None if i % 5 == 0 else AWKWARD[(i + 3) % len(AWKWARD)],
            "" if i % 7 == 0 else f"client{i}@example.ch",   # empty, not NULL
            None if i % 11 == 0 else f"{i} chemin des Écoliers",
            f"{1000 + i % 9000}",
            "Genève" if i % 2 else "Zürich",
            None if i % 3 == 0 else dt.datetime(1900, 1, 1) + dt.timedelta(seconds=i * 86_411 * 13),
            dt.datetime(2024, 2, 29, 23, 59, 59) - dt.timedelta(days=i),
        ))
    return rows


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, check=True)
    assert done.stderr == b"", done.stderr.decode()   # no warning: no brute-force read, no bad row
    return done.stdout.decode("utf-8")


def exported(path) -> list[list[str]]:
    out = run("mdb-export", "-T", DATETIME, str(path), TABLE_NAME)
    return list(csv.reader(io.StringIO(out, newline="")))


def as_exported(row: tuple) -> list[str]:
    """What mdb-export prints for a written row: mdbtools prints a zero-length text as it prints NULL."""
    return ["" if v is None else v.strftime(DATETIME) if isinstance(v, dt.datetime) else str(v) for v in row]


def check_file(path, rows: list[tuple]) -> None:
    assert run("mdb-tables", "-1", str(path)).split() == [TABLE_NAME]
    assert run("mdb-count", str(path), TABLE_NAME).strip() == str(len(rows))
    schema = run("mdb-schema", "--no-relations", "-T", TABLE_NAME, str(path))
    assert [line.split("]")[0].strip("\t [") for line in schema.splitlines() if line.startswith("\t[")] == [c.name for c in COLUMNS]
    assert "[NUM_CLIENT]\t\t\tLong Integer" in schema and "[NOM]\t\t\tText (255)" in schema and "[DERNIER_ACHAT]\t\t\tDateTime" in schema
    header, *body = exported(path)
    assert header == [c.name for c in COLUMNS]
    assert body == [as_exported(r) for r in rows]


def test_a_few_rows_of_awkward_text_read_back_exactly(tmp_path):
    rows = awkward_rows(12)
    path = tmp_path / "ten.mdb"
    assert write_mdb(path, COLUMNS, rows) == 12
    check_file(path, rows)


@pytest.mark.parametrize("inline_map_pages", [512, 0], ids=["inline usage map", "bitmap pages"])
def test_many_pages_read_back_in_order_through_either_usage_map(tmp_path, inline_map_pages):
    rows = awkward_rows(5_000)  # ~225 data pages
    path = tmp_path / "many.mdb"
    write_mdb(path, COLUMNS, rows, inline_map_pages=inline_map_pages)
    assert path.stat().st_size // 4096 > 72 + 200  # the template's 72 pages, then the data
    check_file(path, rows)


def test_more_pages_than_an_inline_map_holds(tmp_path):
    rows = [(i, "x" * 255, "y" * 255, None, None, None, None, None, None) for i in range(9_000)]  # ~1,150 pages
    path = tmp_path / "wide.mdb"
    write_mdb(path, COLUMNS, rows)
    assert run("mdb-count", str(path), TABLE_NAME).strip() == "9000"
    assert [r[0] for r in exported(path)[1:]] == [str(i) for i in range(9_000)]


def test_the_receive_reader_gets_the_written_values_and_types(tmp_path):
    rows = awkward_rows(300)
    path = tmp_path / "clients.mdb"
    write_mdb(path, COLUMNS, rows)
    settings = SourceSettings.model_validate({"kind": "access", "path": str(path), "datasets": {"clients": {"table": TABLE_NAME}}})
    with open_source(settings, tmp_path) as source:
        info = source.describe()["clients"]
        table = pa.concat_tables(source.read("clients", 64))
    assert [str(t) for t in info.schema.types] == ["int64"] + ["string"] * 6 + ["timestamp[us]"] * 2
    expected = [tuple(None if v == "" else v for v in r) for r in rows]   # mdbtools: zero-length text as NULL
    assert [tuple(r.values()) for r in table.to_pylist()] == expected


def test_what_the_format_cannot_hold_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at most 255 characters"):
        write_mdb(tmp_path / "a.mdb", COLUMNS[:2], [(1, "x" * 256)])
    with pytest.raises(ValueError, match="kind 'memo'"):
        Column("NOTES", "memo")
