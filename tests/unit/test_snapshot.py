"""Snapshots: Parquet per dataset written chunk by chunk, manifest, hash, immutability, no half-written folder."""
from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
import pytest

from stx_migrate.migration import snapshot as snap
from stx_migrate.migration.snapshot import DatasetSpec, open_snapshot, write_snapshot
from stx_migrate.migration.workspace import Workspace

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def _table(start, stop):
    return pa.table({"id": list(range(start, stop)), "name": [f"n{i}" for i in range(start, stop)]}, schema=SCHEMA)


def _chunks(total, size):
    for start in range(0, total, size):
        yield _table(start, min(total, start + size))


def _spec(total, size, key=None):
    return DatasetSpec("clients", SCHEMA, _chunks(total, size), origin="table CLIENT", key=key)


@pytest.fixture()
def workspace(tmp_path):
    return Workspace("p", home=tmp_path)


def test_manifest_holds_rows_columns_hash_types_and_source(workspace, monkeypatch):
    monkeypatch.setattr(snap, "ROW_GROUP_ROWS", 100)
    s = write_snapshot(workspace, "p", {"kind": "sqlite", "path": "x.sqlite"}, [_spec(250, 30, key=["id"])])
    manifest = json.loads((s.path / "manifest.json").read_text())
    ds = manifest["datasets"]["clients"]
    assert (ds["rows"], ds["columns"], ds["types"], ds["key"]) == (250, ["id", "name"], {"id": "int64", "name": "string"}, ["id"])
    assert len(ds["sha256"]) == 64 and manifest["source"] == {"kind": "sqlite", "path": "x.sqlite"}
    assert manifest["extracted_at"].endswith("+00:00") and manifest["snapshot_id"] == s.id == s.path.name
    frame = s.read_dataset("clients")
    assert frame["id"].tolist() == list(range(250))
    assert s.verify() == []


def test_the_hash_does_not_depend_on_the_chunk_size(workspace, monkeypatch):
    monkeypatch.setattr(snap, "ROW_GROUP_ROWS", 64)
    hashes = {write_snapshot(workspace, "p", {}, [_spec(300, size)]).manifest.datasets["clients"].sha256 for size in (1, 7, 64, 1000)}
    assert len(hashes) == 1


def test_the_parquet_is_written_uncompressed(workspace):
    """The writer's CPU is the receive's time while a database keeps both cores busy: no codec
    (LZ4 took half of the encoding). The same rows give the same file, so the same hash."""
    import pyarrow.parquet as pq

    written = [write_snapshot(workspace, "p", {}, [_spec(300, size)]) for size in (7, 300)]
    meta = pq.ParquetFile(written[0].parquet_path("clients")).metadata
    codecs = {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups) for c in range(meta.num_columns)}
    assert codecs == {"UNCOMPRESSED"}
    assert len({s.manifest.datasets["clients"].sha256 for s in written}) == 1


def test_the_hash_changes_with_one_value(workspace):
    a = write_snapshot(workspace, "p", {}, [_spec(10, 3)])
    changed = _table(0, 10).set_column(1, "name", pa.array(["n0"] * 9 + ["other"]))
    b = write_snapshot(workspace, "p", {}, [DatasetSpec("clients", SCHEMA, [changed])])
    assert a.manifest.datasets["clients"].sha256 != b.manifest.datasets["clients"].sha256
    assert a.manifest.content_sha256 != b.manifest.content_sha256


def test_a_failure_midway_leaves_no_folder(workspace):
    def broken():
        yield _table(0, 5)
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        write_snapshot(workspace, "p", {}, [_spec(5, 5), DatasetSpec("other", SCHEMA, broken())])
    assert list(workspace.kind_dir("snapshots").iterdir()) == []
    with pytest.raises(FileNotFoundError):
        open_snapshot(workspace)


def test_files_are_read_only_and_latest_is_opened_by_default(workspace):
    first = write_snapshot(workspace, "p", {}, [_spec(3, 3)])
    second = write_snapshot(workspace, "p", {}, [_spec(4, 3)])
    assert open_snapshot(workspace).id == second.id and open_snapshot(workspace, first.id).id == first.id
    for item in second.path.iterdir():
        assert not os.stat(item).st_mode & 0o222


def test_a_chunk_with_another_schema_is_refused(workspace):
    wrong = pa.table({"id": ["1"], "name": ["x"]})
    with pytest.raises(ValueError, match="schema differs"):
        write_snapshot(workspace, "p", {}, [DatasetSpec("clients", SCHEMA, [wrong])])


def test_source_refs_use_the_key_or_the_row_number(workspace):
    s = write_snapshot(workspace, "p", {}, [_spec(3, 3, key=["id", "name"]), DatasetSpec("rows", SCHEMA, [_table(5, 8)])])
    assert list(s.source_refs("clients", s.read_dataset("clients"))) == ["clients:0|n0", "clients:1|n1", "clients:2|n2"]
    batch = s.read_dataset("rows").iloc[1:]
    refs = s.source_refs("rows", batch, first_row=2)
    assert list(refs) == ["rows:2", "rows:3"] and refs.name == "source_ref"


def test_iter_batches_is_bounded(workspace):
    s = write_snapshot(workspace, "p", {}, [_spec(25, 25)])
    sizes = [len(f) for f in s.iter_batches("clients", rows=10)]
    assert sizes == [10, 10, 5]
    assert isinstance(next(s.iter_batches("clients", rows=10)), pd.DataFrame)


def test_an_empty_dataset_keeps_its_columns(workspace, tmp_path):
    from stx_migrate.migration.profile import profile_parquet

    s = write_snapshot(workspace, "p", {}, [DatasetSpec("clients", SCHEMA, iter(()))])
    assert s.dataset("clients").rows == 0 and s.columns("clients") == ["id", "name"]
    assert list(s.read_dataset("clients").columns) == ["id", "name"]
    profile = profile_parquet("clients", s.parquet_path("clients"))
    assert profile.rows == 0 and [c.empty_rate for c in profile.columns] == [0.0, 0.0]


def test_a_dataset_read_again_midway_is_written_once_and_the_next_ones_follow(workspace):
    """One thread reads across datasets; a ReadAgain in the middle of one stops it there: that
    dataset is written again from its exact reader, then the datasets not yet begun, each read once."""
    started: list[str] = []

    def fast_then_again():
        started.append("clients fast")
        yield _table(0, 3)
        yield _table(3, 6)
        raise snap.ReadAgain("clients", "a later value leaves the type")

    def exact() -> DatasetSpec:
        started.append("clients exact")
        return DatasetSpec("clients", SCHEMA, _chunks(10, 4))

    def later(name, total):
        def chunks():
            started.append(name)
            yield from _chunks(total, 4)
        return DatasetSpec(name, SCHEMA, chunks())

    seen_after: list[str] = []
    specs = [DatasetSpec("clients", SCHEMA, fast_then_again(), again=exact), later("orders", 9), later("criteria", 5)]
    s = write_snapshot(workspace, "p", {}, iter(specs), after_dataset=lambda folder, spec, ds: seen_after.append(spec.name))
    assert started == ["clients fast", "clients exact", "orders", "criteria"]
    assert seen_after == ["clients", "orders", "criteria"]
    assert {name: ds.rows for name, ds in s.manifest.datasets.items()} == {"clients": 10, "orders": 9, "criteria": 5}
    assert s.read_arrow("clients").equals(_table(0, 10)) and s.read_arrow("orders").equals(_table(0, 9))



def test_what_describes_a_dataset_is_handed_on_whole():
    """A field added to the source's DatasetInfo reaches the spec and the manifest (description())."""
    import dataclasses

    from stx_migrate.connectors.sources.base import DatasetInfo
    from stx_migrate.migration.snapshot import DESCRIPTION_FIELDS, DatasetManifest

    info_fields = {f.name for f in dataclasses.fields(DatasetInfo)} - {"name", "schema"}
    assert info_fields == set(DESCRIPTION_FIELDS)
    assert set(DESCRIPTION_FIELDS) <= {f.name for f in dataclasses.fields(DatasetSpec)} & set(DatasetManifest.model_fields)


def test_a_dictionary_only_for_columns_repeating_their_values_whatever_the_chunks(workspace, monkeypatch):
    """Few distinct values in the first row group → a dictionary; many → plain values. Decided on
    the first row group, which is the same rows whatever the chunk size: the hash does not move."""
    import pyarrow.parquet as pq

    monkeypatch.setattr(snap, "ROW_GROUP_ROWS", 64)
    rows = 300
    table = pa.table({"id": list(range(rows)), "country": [["CH", "FR", "DE"][i % 3] for i in range(rows)],
                      "email": [f"p{i}@example.org" for i in range(rows)]})

    def chunks(size):
        return [table.slice(start, size) for start in range(0, rows, size)]

    written = [write_snapshot(workspace, "p", {}, [DatasetSpec("clients", table.schema, chunks(size))]) for size in (1, 13, 300)]
    assert len({s.manifest.datasets["clients"].sha256 for s in written}) == 1
    meta = pq.ParquetFile(written[0].parquet_path("clients")).metadata
    encodings = {meta.schema.column(i).name: meta.row_group(0).column(i).encodings for i in range(3)}
    assert "RLE_DICTIONARY" in encodings["country"]
    assert "RLE_DICTIONARY" not in encodings["email"] and "RLE_DICTIONARY" not in encodings["id"]
    assert written[0].read_arrow("clients").equals(table)


def test_the_end_of_the_chunks_is_told_before_the_last_row_groups_are_written(workspace, monkeypatch):
    """on_end (the profile's result, counted beside the writer) comes once, after every chunk was seen,
    before the rows still pending are written."""
    import pyarrow.parquet as pq

    monkeypatch.setattr(snap, "ROW_GROUP_ROWS", 64)
    events = []
    written = pq.ParquetWriter.write_table

    def write_table(self, table, *args, **kwargs):
        events.append(("group", table.num_rows))
        return written(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_table)
    spec = DatasetSpec("clients", SCHEMA, _chunks(150, 40), on_chunk=lambda chunk: events.append(("chunk", chunk.num_rows)),
                       on_end=lambda: events.append(("end", 0)))
    write_snapshot(workspace, "p", {}, [spec])
    assert events.count(("end", 0)) == 1
    end = events.index(("end", 0))
    assert [e for e in events[:end] if e[0] == "chunk"] == [("chunk", 40)] * 3 + [("chunk", 30)]
    assert events[end + 1:] == [("group", 22)]  # 150 = 64 + 64 + 22: the last group written after the end
