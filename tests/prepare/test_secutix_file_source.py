"""A project whose source is the customer's own SecuTix file: pass-through, or a protocol laid over it."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.procedure.protocol_ref import project_protocol_hash
from stx_migrate.migration.secutix_file import empty_frame, read_secutix_file, write_secutix_file
from stx_migrate.migration.settings import load_project

PEOPLE = [  # CONTACT_NR, TITLE, FIRSTNAME, LASTNAME, EMAIL1, TOWN
    ("1001", "MR", "Jean", "Dupont", "jean.dupont@example.org", "Lausanne"),
    ("1002", "MRS", "Zoë", "müller", "zoe.muller@example.org", "Genève"),
    ("1003", "MR", "", "", "", "Sion"),                                     # no name: rejected by the rules
    ("1004", "MR", "Jean", "Dupont", "jean.dupont@example.org", "Lausanne"),  # the first one again: merged
    ("1005", "UNDEFINED", "Anne", "O'Brien, Jr", "", "Neuchâtel"),
]


def customer_file(path):
    rows = [dict(INSTITUTION="INST", ORGANIZATION="ORG", OPERATION="INSERT", CONTACT_NR=n, TITLE=t, FIRSTNAME=f,
                 LASTNAME=l, EMAIL1=e, TOWN=town, COUNTRY="CH") for n, t, f, l, e, town in PEOPLE]
    frame = pd.concat([empty_frame(), pd.DataFrame(rows)]).fillna("").astype("str")
    frame.index = pd.Index([f"x:{i}" for i in range(1, len(rows) + 1)], name="source_ref")
    write_secutix_file(frame, path)
    return frame.reset_index(drop=True)


@pytest.fixture()
def project(tmp_path, workspace_home):
    folder = tmp_path / "customer"
    (folder / "data").mkdir(parents=True)
    customer_file(folder / "data" / "contacts.xlsx")
    config = {"name": "stx-file", "institution": "INST", "organization": "ORG", "country": "CH", "j_date": "2027-03-01",
              "source": {"kind": "secutix-file", "path": "data/contacts.xlsx"}}
    (folder / "project.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def _prepare(folder):
    loaded = load_project(folder)
    snapshot = receive_snapshot(loaded).snapshot
    return Deliverable(prepare_deliverable(loaded, snapshot.path))


def test_without_a_protocol_the_rows_pass_through_unchanged(project):
    deliverable = _prepare(project)
    summary = deliverable.summary()
    assert (summary.rows_in, summary.valid, summary.rejected, summary.merged) == (5, 3, 1, 1)
    written = read_secutix_file(deliverable.path / "contacts.csv").frame
    source = read_secutix_file(project / "data" / "contacts.xlsx").frame
    assert written.reset_index(drop=True).equals(source.iloc[[0, 1, 4]].reset_index(drop=True))
    rejects = deliverable.rejects()
    assert set(rejects.loc[rejects.severity == "error", "source_ref"]) == {"contacts:3"}
    assert list(deliverable.duplicates()["source_ref"]) == ["contacts:4"]
    assert list(deliverable.duplicates()["survivor_ref"]) == ["contacts:1"]
    manifest = json.loads((deliverable.path / "manifest.json").read_text())
    assert manifest["protocol_hash"] == project_protocol_hash(load_project(project))
    assert "pass-through" in (deliverable.path / "protocol.yaml").read_text()


def test_a_protocol_adjusts_whole_columns_and_the_rest_passes_through(project):
    (project / "adjust.yaml").write_text("columns:\n  LASTNAME: {from: LASTNAME, steps: [{case: upper}]}\n", encoding="utf-8")
    config = yaml.safe_load((project / "project.yaml").read_text())
    (project / "project.yaml").write_text(yaml.safe_dump({**config, "protocol": "adjust.yaml"}), encoding="utf-8")
    expected_hash = project_protocol_hash(load_project(project))
    deliverable = _prepare(project)
    written = read_secutix_file(deliverable.path / "contacts.csv").frame
    assert list(written["LASTNAME"]) == ["DUPONT", "MÜLLER", "O'BRIEN, JR"]
    assert list(written["FIRSTNAME"]) == ["Jean", "Zoë", "Anne"] and list(written["TOWN"]) == ["Lausanne", "Genève", "Neuchâtel"]
    applied = (deliverable.path / "protocol.yaml").read_text()
    assert "case: upper" in applied and "adjust.yaml" in applied
    assert json.loads((deliverable.path / "manifest.json").read_text())["protocol_hash"] == expected_hash


def test_a_secutix_file_source_takes_no_datasets_and_needs_a_path(tmp_path):
    from stx_migrate.migration.settings.source import SourceSettings

    with pytest.raises(ValueError, match="not datasets"):
        SourceSettings.model_validate({"kind": "secutix-file", "path": "a.xlsx", "datasets": {"x": {"file": "a.csv"}}})
    with pytest.raises(ValueError, match="needs the file's path"):
        SourceSettings.model_validate({"kind": "secutix-file"})
    assert list(SourceSettings.model_validate({"kind": "secutix-file", "path": "a.csv"}).datasets) == ["contacts"]


def test_a_protocol_naming_an_unknown_column_is_refused_naming_its_file(project):
    (project / "bad.yaml").write_text("columns:\n  LASTNAME: {from: NOM}\n", encoding="utf-8")
    config = yaml.safe_load((project / "project.yaml").read_text())
    (project / "project.yaml").write_text(yaml.safe_dump({**config, "protocol": "bad.yaml"}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml › columns › LASTNAME › from: unknown column 'NOM'"):
        _prepare(project)
