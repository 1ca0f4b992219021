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


def test_a_keyed_table_is_read_in_key_order_whatever_the_files_row_order(tmp_path):
    """mdbtools cannot sort: the reader sorts a keyed table itself (stably), so the same rows in
    another physical order (a compacted file) give the same snapshot (equal keys keep the file's order);
    ``ordered: false`` keeps the file's order."""
    from access_writer import TABLE_NAME, Column, write_mdb

    columns = [Column("NUM", "long"), Column("NOM", "text")]
    rows = [(3, "c"), (1, "a1"), (2, "b"), (1, "a2"), (5, "e"), (4, "d")]
    write_mdb(tmp_path / "forward.mdb", columns, rows)
    write_mdb(tmp_path / "backward.mdb", columns, rows[::-1])

    def read(file: str, **dataset) -> list[tuple]:
        settings = SourceSettings.model_validate({"kind": "access", "path": str(tmp_path / file),
                                                  "datasets": {"t": {"table": TABLE_NAME, **dataset}}})
        with open_source(settings, tmp_path) as source:
            return [tuple(r.values()) for r in _read(source, "t", 2).to_pylist()]

    assert read("forward.mdb", key="NUM") == [(1, "a1"), (1, "a2"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]
    assert read("backward.mdb", key="NUM") == [(1, "a2"), (1, "a1"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]
    assert read("forward.mdb", key="NUM", ordered=False) == rows
    assert read("forward.mdb") == rows   # no key: the file's order


def test_a_table_found_out_of_key_order_after_chunks_went_out_is_read_again_sorted(tmp_path, monkeypatch):
    """The disorder is at the end of a file exported in many blocks: the snapshot writer has written
    chunks already, starts the dataset again, and the snapshot equals the one of a file in key order."""
    from access_writer import TABLE_NAME, Column, write_mdb
    from stx_migrate.connectors.sources import access
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    monkeypatch.setattr(access, "_BLOCK_SIZE", 1 << 10)
    columns = [Column("NUM", "long"), Column("NOM", "text")]
    rows = [(i, f"client {i:04d} " + "x" * 40) for i in range(1, 501)]
    write_mdb(tmp_path / "in_order.mdb", columns, rows)
    write_mdb(tmp_path / "last_two_swapped.mdb", columns, rows[:-2] + [rows[-1], rows[-2]])
    exports = []
    real = access.AccessSource._exported
    monkeypatch.setattr(access.AccessSource, "_exported", lambda self, *a: exports.append(1) or real(self, *a))

    def receive(file: str):
        config = ProjectConfig.model_validate({
            "name": "p", "institution": "I", "organization": "O", "j_date": "2027-03-01",
            "source": {"kind": "access", "path": file, "datasets": {"d": {"table": TABLE_NAME, "key": "NUM"}}}})
        exports.clear()
        snapshot = receive_snapshot(Project(tmp_path, config), Workspace("p", home=tmp_path / f"ws-{file}"), chunk_rows=50).snapshot
        return snapshot, len(exports)

    in_order, exported_once = receive("in_order.mdb")
    swapped, exported_twice = receive("last_two_swapped.mdb")
    assert (exported_once, exported_twice) == (1, 2), "a file in key order is streamed once; the other read again"
    assert swapped.read_arrow("d").to_pylist() == [{"NUM": n, "NOM": t} for n, t in rows]
    assert swapped.dataset("d").sha256 == in_order.dataset("d").sha256
