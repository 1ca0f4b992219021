"""kind access: real .mdb (JET3, JET4) and .accdb (ACE12) files read through mdb-export."""
from __future__ import annotations

import datetime as dt
import decimal
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import SourceSettings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "access"
pytestmark = pytest.mark.skipif(not shutil.which("mdb-export"), reason="mdbtools not installed (scripts/setup.sh --test)")


def _open(file: str, datasets: dict):
    return open_source(SourceSettings.model_validate({"kind": "access", "path": str(FIXTURES / file), "datasets": datasets}), FIXTURES)


def _read(source, name, chunk_rows):
    chunks = list(source.read(name, chunk_rows))
    assert all(0 < c.num_rows <= chunk_rows for c in chunks)
    return pa.concat_tables(chunks) if chunks else None


def test_jet3_every_scalar_type_is_kept():
    with _open("jet3_testV1997.mdb", {"t": {"table": "Table1"}}) as source:
        info = source.describe()["t"]
        table = _read(source, "t", 1)
    assert [str(t) for t in info.schema.types] == ["string", "string", "int64", "int64", "int64", "double",
                                                   "timestamp[us]", "decimal128(19, 4)", "bool"]
    assert info.source_types["H"] == "Currency"
    assert tuple(table.to_pylist()[1].values()) == (
        "abcdefg", "hijklmnop", 2, 222, 333333333, 444.555, dt.datetime(1974, 9, 21), decimal.Decimal("3.5000"), True)


def test_jet4_unicode_and_control_characters_round_trip_for_any_chunk_size():
    with _open("jet4_testUnicodeCompV2003.mdb", {"t": {"table": "Table"}}) as source:
        whole, one_by_one = _read(source, "t", 1000), _read(source, "t", 1)
    assert whole.equals(one_by_one) and whole.num_rows == 8
    texts = whole.column("Unicode").to_pylist()
    assert texts[1] == "ääkkösiä" and texts[2] == "Мир"
    assert "\r" in texts[7] and "\n" in texts[7] and "".join(chr(c) for c in range(0x20, 0x7F)) in texts[7]


def test_ace12_awkward_names_nulls_and_empty_tables():
    datasets = {"detail": {"table": "Donation Detail"}, "donor": {"table": "Donor"}, "types": {"table": "Donation Type"}}
    with _open("ace12_donors_githubIssue16.accdb", datasets) as source:
        described = source.describe()
        detail, donor, types = (_read(source, n, 2) for n in ("detail", "donor", "types"))
    assert "Envelope #" in described["donor"].columns and "Inst/Branch" in described["donor"].columns
    assert donor is None  # no rows, but described: a snapshot still gets its columns
    assert types.num_rows == 5
    row = detail.to_pylist()[0]
    assert row["Batch"] is None and row["Amount"] == decimal.Decimal("500.0000") and row["Notes"] is None


def test_unknown_table_and_query_are_refused_clearly():
    with pytest.raises(InputError, match=r"dataset t: no table 'Clients' \(tables: Table\)"):
        with _open("jet4_testUnicodeCompV2003.mdb", {"t": {"table": "Clients"}}) as source:
            source.describe()
    with pytest.raises(InputError, match="reads whole tables"):
        with _open("jet4_testUnicodeCompV2003.mdb", {"t": {"query": "SELECT * FROM [Table]"}}) as source:
            source.describe()


def test_a_hostile_table_name_is_only_an_argument(tmp_path):
    with pytest.raises(InputError, match="no table"):
        with _open("jet4_testUnicodeCompV2003.mdb", {"t": {"table": "Table\"; rm -rf /tmp; --"}}) as source:
            source.describe()
