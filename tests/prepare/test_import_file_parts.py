"""Past one sheet's rows the xlsx import file is numbered parts (forced here with a small limit)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from stx_migrate.migration import import_files
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.prepare import FILES, prepare_deliverable
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.secutix_file import read_secutix_file
from stx_migrate.migration.settings import load_project

LIMIT = 100


@pytest.fixture()
def small_sheets(monkeypatch):
    monkeypatch.setattr(import_files, "XLSX_MAX_CONTACTS", LIMIT)


def _prepare(demo_project, snapshot):
    project = load_project(demo_project)
    return prepare_deliverable(project, snapshot.path, load_reference(demo_project / "reference.yaml"), [])


def test_the_names_are_one_file_up_to_the_limit_then_numbered_parts():
    assert import_files.xlsx_names(0, 3) == import_files.xlsx_names(3, 3) == ["contacts.xlsx"]
    assert import_files.xlsx_names(4, 3) == ["contacts-001.xlsx", "contacts-002.xlsx"]
    assert import_files.xlsx_names(7, 3)[-1] == "contacts-003.xlsx"
    assert import_files.XLSX_MAX_CONTACTS == 1_048_576 - 4
    names = ["contacts-010.xlsx", "contacts.csv", "contacts-002.xlsx", "manifest.json", "contacts-001.xlsx"]
    assert import_files.import_file_names(names, "xlsx") == ["contacts-001.xlsx", "contacts-002.xlsx", "contacts-010.xlsx"]
    assert import_files.import_file_names(names, "csv") == ["contacts.csv"]


def test_parts_hold_every_contact_in_order_each_with_the_header_rows(demo_project, demo_snapshot, small_sheets):
    folder = _prepare(demo_project, demo_snapshot)
    whole = read_secutix_file(folder / "contacts.csv")
    valid = len(whole.frame)
    assert valid > 2 * LIMIT    # the demo's 600 rows give 3 parts or more
    names = import_files.xlsx_names(valid)
    assert not (folder / "contacts.xlsx").exists()
    assert {p.name for p in folder.iterdir()} == (set(FILES) - {"contacts.xlsx"}) | set(names) | {"manifest.json"}
    parts = [read_secutix_file(folder / name) for name in names]
    assert [len(p.frame) for p in parts[:-1]] == [LIMIT] * (len(names) - 1) and 0 < len(parts[-1].frame) <= LIMIT
    joined = pd.concat([p.frame for p in parts])
    assert joined.reset_index(drop=True).equals(whole.frame.reset_index(drop=True))
    assert all(p.header_rows == whole.header_rows for p in parts)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [n for n in manifest["files"] if n.startswith("contacts")] == [*names, "contacts.csv"]
    Deliverable(folder).require_intact()


def test_a_part_edited_after_prepare_is_named_by_the_guard(demo_project, demo_snapshot, small_sheets):
    folder = _prepare(demo_project, demo_snapshot)
    second = folder / "contacts-002.xlsx"
    data = bytearray(second.read_bytes())
    data[len(data) // 2] ^= 1
    second.write_bytes(bytes(data))
    with pytest.raises(GuardRefused, match="contacts-002.xlsx"):
        Deliverable(folder).require_intact()


def test_a_replay_gives_the_same_parts_byte_for_byte(demo_project, demo_snapshot, small_sheets):
    first, second = _prepare(demo_project, demo_snapshot), _prepare(demo_project, demo_snapshot)
    names = json.loads((first / "manifest.json").read_text())["files"]
    assert "contacts-001.xlsx" in names
    for name in [*names, "manifest.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
