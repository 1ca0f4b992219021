"""A pseudonymised dev trial: no real person reaches the environment, and the import behaves exactly the same.

The demo's deliverable is imported through the command into ``dev`` (``pseudonymise: true``)
and into ``plain`` (the same deliverable, real values), then a second deliverable that updates
some of them. The counts must be equal; the dev store's bytes, the dropped file and the
import run folder must hold none of the original names, e-mails, phones or street lines; the
key must appear nowhere (files, logs).
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from stx_migrate.cli.main import main
from stx_migrate.config.demo_data import demo_reference, materialise_demo_project
from stx_migrate.connectors.environments import seed_environment
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.deliverable import open_deliverable
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.pseudonyms import (EMAIL_COLUMNS, NAME_COLUMNS, PHONE_COLUMNS, STREET_COLUMNS,
                                              pseudonymise_contacts)
from stx_migrate.migration.secutix_file import write_secutix_file
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.workspace import new_run_id

pytestmark = pytest.mark.prefect

KEY = "k3y-0f-the-demo-theatre-9f8e7d6c5b4a"
ENVIRONMENTS = """environments:
  dev: {kind: sql, url: "sqlite:///envs/dev.sqlite", pseudonymise: true, pseudonym_key: "${env:STX_TEST_PSEUDONYM_KEY}"}
  plain: {kind: sql, url: "sqlite:///envs/plain.sqlite"}
  dev-drop: {kind: file-drop, path: dropbox, pseudonymise: true, pseudonym_key: "${env:STX_TEST_PSEUDONYM_KEY}"}
"""
COUNTS = ("imported", "updated", "unchanged", "not_imported", "import_reasons")


@pytest.fixture()
def trial(tmp_path, workspace_home, monkeypatch, prefect_api):
    monkeypatch.setenv("STX_TEST_PSEUDONYM_KEY", KEY)
    folder = materialise_demo_project(tmp_path / "demo", rows=400)
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    start, end = text.index("environments:"), text.index("contact_numbers:")
    text = text.replace("max_reject_rate: 0.05", "max_reject_rate: 0.2")   # the UPDATE trial refuses 6 of 60 rows on purpose
    (folder / "project.yaml").write_text(text[:start] + ENVIRONMENTS + text[end:], encoding="utf-8")
    project = load_project(folder)
    for env in ("dev", "plain"):
        seed_environment(project, env, demo_reference())
    snapshot = receive_snapshot(project).snapshot
    first = prepare_deliverable(project, snapshot.path, demo_reference(), [])
    from stx_migrate.migration.approvals import Approval, record_approval
    from stx_migrate.migration.procedure import read_deliverable_ref

    record_approval(workspace_home / project.config.name / "procedure", Approval(   # ADI approved the protocol (step 6)
        step="transformations", approved=True, by="ADI (test)", protocol_hash=read_deliverable_ref(first).protocol_hash))
    return folder, first


def updating_deliverable(first: Path) -> str:
    """A second deliverable: the first 60 contacts again as UPDATEs, half with a new last name, half with a new town."""
    contacts = open_deliverable(first).contacts().iloc[:60].copy()
    contacts["OPERATION"] = "UPDATE"
    contacts.loc[contacts.index[:30], "LASTNAME"] = contacts["LASTNAME"].iloc[:30] + "-Neuf"
    contacts.loc[contacts.index[30:], "TOWN"] = "Carouge"
    folder = first.parent / new_run_id()
    folder.mkdir()
    write_secutix_file(contacts, folder / "contacts.csv")
    summary = {"rows_in": 60, "valid": 60, "rejected": 0, "merged": 0, "dropped": 0}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("contacts.csv", "summary.json")}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder.name


def import_into(project: Path, env: str, deliverable: str, capsys) -> dict:
    assert main(["import", "--project", str(project), "--env", env, "--deliverable", deliverable]) == 0
    run = Path(capsys.readouterr().out.strip().splitlines()[-1])
    return json.loads((run / "summary.json").read_text(encoding="utf-8")) | {"_folder": str(run)}


def originals(first: Path) -> set[str]:
    contacts = open_deliverable(first).contacts()
    columns = [c for c in (*NAME_COLUMNS, *STREET_COLUMNS, *EMAIL_COLUMNS, *PHONE_COLUMNS) if c in contacts]
    values = set(contacts[columns].stack().tolist()) - {"", "="}
    return {v for v in values if len(v) >= 3}


def leaks(data: bytes, found: set[str], pseudonyms: set[str]) -> set[str]:
    """Originals in ``data`` once every pseudonym is taken out (an original inside a made-up word is no leak)."""
    for pseudonym in sorted(pseudonyms - {"", "="}, key=len, reverse=True):
        data = data.replace(pseudonym.encode("utf-8"), b"\x00")
    return {v for v in found if v.encode("utf-8") in data}


def store_bytes(project: Path, env: str) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((project / "envs").glob(f"{env}.sqlite*")))


def test_a_pseudonymised_dev_import_counts_like_the_real_one_and_holds_no_real_person(trial, capsys, caplog):
    project, first = trial
    caplog.set_level(logging.DEBUG)
    second = updating_deliverable(first)
    runs = {env: [import_into(project, env, d, capsys) for d in (first.name, second)] for env in ("plain", "dev")}
    for real, pseudo in zip(runs["plain"], runs["dev"]):
        assert {k: real[k] for k in COUNTS} == {k: pseudo[k] for k in COUNTS}
    assert runs["dev"][0]["imported"] > 200 and runs["dev"][1]["updated"] > 50    # the import really did something
    assert runs["dev"][0]["pseudonymised"] is True and "pseudonymised" not in runs["plain"][0]

    found = originals(first)
    assert len(found) > 500
    delivered = pseudonymise_contacts(open_deliverable(first).contacts(), KEY.encode())
    made = set(delivered.stack().tolist())
    assert not (made & found)            # no pseudonym is a real value: taking them out below cannot hide a leak
    assert len(leaks(store_bytes(project, "plain"), found, made)) > len(found) // 2   # the scan does see real values
    assert leaks(store_bytes(project, "dev"), found, made) == set()
    for run in runs["dev"]:
        for path in Path(run["_folder"]).rglob("*"):
            if path.is_file():
                assert leaks(path.read_bytes(), found, made) == set(), path
    assert KEY not in caplog.text and all(v not in caplog.text for v in found)


def test_the_dropped_file_holds_pseudonyms_only_and_the_key_is_written_nowhere(trial, capsys, workspace_home):
    project, first = trial
    run = import_into(project, "dev-drop", first.name, capsys)
    dropped = Path(run["dropped_file"])
    assert dropped.parent == project / "dropbox"
    found = originals(first)
    made = set(pseudonymise_contacts(open_deliverable(first).contacts(), KEY.encode()).stack().tolist())
    assert leaks(dropped.read_bytes(), found, made) == set()
    assert leaks((first / "contacts.csv").read_bytes(), found, made)     # the deliverable itself keeps the real people
    for root in (project, workspace_home):
        for path in root.rglob("*"):
            if path.is_file():
                assert KEY.encode() not in path.read_bytes(), path
