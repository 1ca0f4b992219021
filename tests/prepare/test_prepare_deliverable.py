"""prepare_deliverable on the demo project: every row in one place, the files of the contract, replay."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from stx_migrate.config.demo_data import generate_demo_source
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.prepare import FILES, prepare_deliverable
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.secutix_file import read_secutix_file
from stx_migrate.migration.settings import load_project


def _prepare(demo_project, snapshot, existing=()):
    project = load_project(demo_project)
    return prepare_deliverable(project, snapshot.path, load_reference(demo_project / "reference.yaml"), list(existing))


def test_every_source_row_ends_in_exactly_one_place(demo_project, demo_snapshot):
    folder = _prepare(demo_project, demo_snapshot)
    d = Deliverable(folder)
    summary = d.summary()
    assert summary.rows_in == 600
    assert summary.valid + summary.rejected + summary.merged + summary.dropped == 600
    contacts = read_secutix_file(folder / "contacts.csv").frame
    rejects = d.rejects()
    duplicates = d.duplicates()
    assert len(contacts) == summary.valid
    assert rejects.loc[rejects.severity == "error", "source_ref"].nunique() == summary.rejected
    assert len(duplicates) == summary.merged
    # every contact number of the file is a source number of a kept row, none twice
    assert contacts["CONTACT_NR"].str.fullmatch(r"\d+").all() and not contacts["CONTACT_NR"].duplicated().any()
    placed = set(contacts["CONTACT_NR"]) | set(rejects.loc[rejects.severity == "error", "contact_nr"]) | set(duplicates["contact_nr"])
    assert len(placed) == 600 - summary.dropped
    # dropped rows are counted under the filters' reason codes
    assert summary.reasons["RETENTION"] + summary.reasons["DELETED_ACCOUNT"] == summary.dropped
    assert summary.reasons["NAME_MISSING"] >= 1


def test_the_deliverable_holds_the_contract_files_and_its_manifest(demo_project, demo_snapshot):
    folder = _prepare(demo_project, demo_snapshot)
    assert {p.name for p in folder.iterdir()} == set(FILES) | {"manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["snapshot_id"] == demo_snapshot.id
    assert len(manifest["protocol_hash"]) == 64
    assert manifest["counts"]["rows_in"] == 600
    assert (folder / "protocol.yaml").read_text() == (demo_project / "protocol.yaml").read_text()
    assert list(pd.read_csv(folder / "duplicates.csv", dtype=str).columns) == [
        "source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]
    xlsx = read_secutix_file(folder / "contacts.xlsx").frame
    csv = read_secutix_file(folder / "contacts.csv").frame
    assert xlsx.reset_index(drop=True).equals(csv.reset_index(drop=True))
    assert (csv["INSTITUTION"] == "DEMO").all() and (csv["OPERATION"] == "INSERT").all()
    assert csv["COUNTRY"].isin(["FR", "CH", "BE", ""]).all()


def test_replay_same_protocol_same_snapshot_gives_byte_identical_files(demo_project, demo_snapshot):
    first = _prepare(demo_project, demo_snapshot)
    second = _prepare(demo_project, demo_snapshot)
    assert first != second
    for name in sorted(FILES) + ["manifest.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_protocol_applies_unchanged_to_a_later_snapshot(demo_project, demo_snapshot):
    first = _prepare(demo_project, demo_snapshot)
    generate_demo_source(demo_project / "data", seed=99, rows=700)       # the J-1 extraction: other rows
    later = receive_snapshot(load_project(demo_project)).snapshot
    second = _prepare(demo_project, later)
    a, b = Deliverable(first), Deliverable(second)
    assert a.manifest.protocol_hash == b.manifest.protocol_hash
    assert b.summary().rows_in == 700 and b.manifest.snapshot_id == later.id
    assert (first / "protocol.yaml").read_bytes() == (second / "protocol.yaml").read_bytes()


def test_keep_policy_rejects_numbers_taken_in_the_target(demo_project, demo_snapshot):
    folder = _prepare(demo_project, demo_snapshot, existing=["100002", "100003", "999"])
    rejects = Deliverable(folder).rejects()
    taken = rejects[rejects.code == "CONTACT_NR_TAKEN"]
    assert set(taken["contact_nr"]) <= {"100002", "100003"} and len(taken) >= 1
    assert (taken["severity"] == "error").all()
    contacts = read_secutix_file(folder / "contacts.csv").frame
    assert not contacts["CONTACT_NR"].isin(["100002", "100003"]).any()


def test_a_bad_protocol_fails_before_anything_is_written(demo_project, demo_snapshot, workspace_home):
    text = (demo_project / "protocol.yaml").read_text().replace("from: PRENOM", "from: PRENOMS")
    (demo_project / "protocol.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        _prepare(demo_project, demo_snapshot)
    assert "columns › FIRSTNAME › from: unknown column 'PRENOMS'" in str(e.value)
    assert not (workspace_home / "demo-theatre" / "deliverables").exists() or not any(
        p.name[0] != "." for p in (workspace_home / "demo-theatre" / "deliverables").iterdir())
