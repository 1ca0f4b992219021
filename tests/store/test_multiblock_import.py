"""Imports from the deliverable's own file when it is read in several blocks (a contacts.csv over 16 MB).

pyarrow reads such a file block by block: unless the reader joins them, every column comes
back as several chunks, which the planner's Arrow steps once refused (``TypeError:
Iterable should contain Array objects, got ChunkedArray``) after committing a few batches.
"""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from store_helpers import large_contacts, one

from stx_migrate.migration.secutix_file import csv_file, read_secutix_file, write_secutix_file
from stx_migrate.migration.store import import_contacts, importer
from stx_migrate.migration.store.decide import derive_keys
from stx_migrate.migration.text_arrays import large_text

SMALL_BLOCK = 16 << 10


def _multiblock(tmp_path, monkeypatch, n: int) -> pd.DataFrame:
    """``n`` contacts written as a SecuTix CSV and read back in blocks of SMALL_BLOCK bytes."""
    path = write_secutix_file(large_contacts(n), tmp_path / "contacts.csv")
    assert path.stat().st_size > 8 * SMALL_BLOCK  # many blocks, not one
    monkeypatch.setattr(csv_file, "_BLOCK_SIZE", SMALL_BLOCK)
    return read_secutix_file(path).frame


def _expect_all_imported(store, contacts: pd.DataFrame) -> None:
    n = len(contacts)
    structures = contacts.loc[contacts["OFFICIAL_NAME"] != "", "OFFICIAL_NAME"].nunique()
    assert store.count("contact") == n + structures
    assert store.count("import_row") == n
    assert one(store, "SELECT COUNT(DISTINCT contact_nr) FROM contact") == [(n + structures,)]
    assert store.count("criterion_assignment") == n


def test_a_file_read_in_blocks_gives_one_array_per_column(tmp_path, monkeypatch):
    contacts = _multiblock(tmp_path, monkeypatch, 3_000)
    for column in ("LASTNAME", "OPERATION", "OFFICIAL_NAME"):
        assert isinstance(pa.array(contacts[column].array), pa.Array)
    assert list(contacts["LASTNAME"].iloc[[0, -1]]) == ["Name0", "Name2999"]


def test_the_planner_takes_chunked_columns(tmp_path, monkeypatch):
    """Frames glued together (pd.concat) hold chunked columns too: the planner's Arrow steps join them."""
    rows = large_contacts(200)
    glued = pd.concat([rows.iloc[:70], rows.iloc[70:]])
    assert isinstance(glued["LASTNAME"].array.__arrow_array__(), pa.ChunkedArray)
    assert glued["LASTNAME"].array.__arrow_array__().num_chunks == 2
    assert isinstance(large_text(glued["LASTNAME"]), pa.Array)
    keys = derive_keys(glued)
    assert list(keys.kind.iloc[[0, 1, 7]]) == ["relay", "individual", "relay"]
    assert keys.match_key.iloc[0].startswith("Company 0") and keys.match_key.iloc[1] == ""


def test_a_multiblock_deliverable_imports_whole(store, tmp_path, monkeypatch):
    contacts = _multiblock(tmp_path, monkeypatch, 12_000)
    result = import_contacts(store, contacts, run_id="r1", deliverable_id="big", batch_rows=2_000)
    assert result.counts() == {"imported": 12_000, "updated": 0, "unchanged": 0, "not_imported": 0}
    _expect_all_imported(store, contacts)
    again = import_contacts(store, contacts, run_id="r2", deliverable_id="big", batch_rows=2_000)
    assert again.counts() == {"imported": 0, "updated": 0, "unchanged": 12_000, "not_imported": 0}


def test_a_failed_import_says_so_and_the_rerun_completes_it(store, tmp_path, monkeypatch):
    """A run that stops leaves whole batches, journaled, and a run record saying it failed, where and why."""
    contacts = _multiblock(tmp_path, monkeypatch, 6_000)
    real_write = importer.write_batch
    written = []

    def failing_third_batch(conn, plan, **kw):  # the third batch's write fails (a lost connection, a bug…)
        if len(written) == 2:
            raise RuntimeError("the database went away")
        written.append(1)
        return real_write(conn, plan, **kw)

    monkeypatch.setattr(importer, "write_batch", failing_third_batch)
    with pytest.raises(RuntimeError):
        import_contacts(store, contacts, run_id="broken", deliverable_id="big", batch_rows=1_000)
    applied = store.count("import_row")
    assert 0 < applied < len(contacts)
    assert store.count("contact", "kind <> 'structure'") == applied  # whole batches: nothing half-written
    [(run_id, counts)] = one(store, "SELECT run_id, counts FROM import_run")
    record = json.loads(counts)
    assert run_id == "broken" and record["status"] == "failed" and record["error"] == "RuntimeError"
    assert record["imported"] == applied and record["where"].endswith("failing_third_batch")
    assert record["batch_rows"].startswith("contacts.csv:")

    monkeypatch.setattr(importer, "write_batch", real_write)
    result = import_contacts(store, contacts, run_id="rerun", deliverable_id="big", batch_rows=1_000)
    assert result.imported == len(contacts) - applied and result.unchanged == applied
    _expect_all_imported(store, contacts)
    statuses = {r: json.loads(c).get("status", "done") for r, c in one(store, "SELECT run_id, counts FROM import_run")}
    assert statuses == {"broken": "failed", "rerun": "done"}


@pytest.mark.slow
def test_a_deliverable_over_one_default_block_imports(store, tmp_path):
    """300k contacts: the file is several times the reader's default block, as at the customer's."""
    path = write_secutix_file(large_contacts(300_000), tmp_path / "contacts.csv")
    assert path.stat().st_size > 2 * csv_file._BLOCK_SIZE
    contacts = read_secutix_file(path).frame
    result = import_contacts(store, contacts, run_id="r1", deliverable_id="big")
    assert result.counts() == {"imported": 300_000, "updated": 0, "unchanged": 0, "not_imported": 0}
    _expect_all_imported(store, contacts)
