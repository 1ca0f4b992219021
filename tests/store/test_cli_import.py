"""``stx-migrate import`` and ``stx-migrate service`` in-process, against the real Prefect API."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_helpers import REFERENCE, frame

from stx_migrate.cli.main import main
from stx_migrate.migration.secutix_file import write_secutix_file
from stx_migrate.migration.store import open_store, seed_reference_data
from stx_migrate.migration.workspace import new_run_id

pytestmark = pytest.mark.prefect

PROJECT = """\
name: lac
institution: DEMO
organization: DEMO
j_date: 2027-03-01
source: {kind: csv, datasets: {clients: {file: clients.csv}}}
gate: {max_reject_rate: 0.5}     # these imports refuse 2 of 5 rows on purpose
environments:
  dev: {kind: sql, url: "sqlite:///envs/dev.sqlite", batch_rows: 2}
  drop: {kind: file-drop, path: dropbox}
"""


@pytest.fixture()
def project(tmp_path, workspace_home):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "project.yaml").write_text(PROJECT, encoding="utf-8")
    from stx_migrate.connectors.environments import seed_environment
    from stx_migrate.migration.settings.project import load_project

    seed_environment(load_project(folder), "dev", REFERENCE)
    from stx_migrate.migration.approvals import Approval, record_approval   # ADI approved the protocol (step 6)

    record_approval(workspace_home / "lac" / "procedure", Approval(step="transformations", approved=True, by="adi",
                                                                   protocol_hash="h"))
    return folder


def make_deliverable(workspace_home: Path, rows) -> str:
    deliverable_id = new_run_id()
    folder = workspace_home / "lac" / "deliverables" / deliverable_id
    folder.mkdir(parents=True)
    contacts = frame(*rows, dataset="contacts.csv")
    write_secutix_file(contacts, folder / "contacts.csv")
    (folder / "summary.json").write_text(json.dumps({"rows_in": len(rows) + 1, "valid": len(rows), "rejected": 1,
                                                     "merged": 0, "dropped": 0, "reasons": {"EMAIL_FORMAT": 1}}))
    (folder / "manifest.json").write_text(json.dumps({
        "project": "lac", "snapshot_id": "s", "protocol_hash": "h", "code_version": "0", "counts": {}, "files": {}}))
    return deliverable_id


ROWS = (dict(CONTACT_NR="1", LASTNAME="Alpha"), dict(CONTACT_NR="2", OFFICIAL_NAME="ACME", FIRSTNAME="Bo"),
        dict(CONTACT_NR="3", LASTNAME="Gamma", CRIT01="PREFCOL=Purple"), dict(OPERATION="UPDATE", CONTACT_NR="9"),
        dict(LASTNAME="Numberless"))


def last_line(capsys) -> Path:
    out = capsys.readouterr().out.strip().splitlines()
    return Path(out[-1])


def test_import_dev_writes_summary_and_log_and_is_idempotent(project, workspace_home, prefect_api, capsys):
    deliverable = make_deliverable(workspace_home, ROWS)
    assert main(["import", "--project", str(project), "--env", "dev"]) == 0
    folder = last_line(capsys)
    assert folder.parent == workspace_home / "lac" / "imports" / "dev"
    summary = json.loads((folder / "summary.json").read_text())
    assert {k: summary[k] for k in ("rows_in", "valid", "rejected", "imported", "updated", "unchanged", "not_imported")} == \
        {"rows_in": 6, "valid": 5, "rejected": 1, "imported": 3, "updated": 0, "unchanged": 0, "not_imported": 2}
    assert summary["deliverable_id"] == deliverable and summary["reasons"] == {"EMAIL_FORMAT": 1}
    assert summary["import_reasons"] == {"IMPORT_CONTACT_NOT_FOUND": 1, "IMPORT_UNKNOWN_CRITERION_ELEMENT": 1}
    log = (folder / "rejects.csv").read_text().splitlines()
    assert log[0] == "source_ref,contact_nr,column,code,severity,message,value"
    assert any(line.startswith("contacts.csv:3,3,CRIT01,IMPORT_UNKNOWN_CRITERION_ELEMENT") for line in log)
    store = open_store(f"sqlite:///{project / 'envs' / 'dev.sqlite'}")
    assert store.count("contact") == 4  # individual, relay + structure, the numberless one
    # the same deliverable again: nothing created, nothing changed
    assert main(["import", "--project", str(project), "--env", "dev", "--deliverable", deliverable]) == 0
    again = json.loads((last_line(capsys) / "summary.json").read_text())
    assert (again["imported"], again["unchanged"], again["not_imported"]) == (0, 3, 2)
    assert store.count("contact") == 4
    store.dispose()


def test_an_import_refusing_more_than_the_gate_allows_fails_with_exit_1(project, workspace_home, prefect_api, capsys):
    (project / "project.yaml").write_text(PROJECT.replace("max_reject_rate: 0.5", "max_reject_rate: 0.05"))
    make_deliverable(workspace_home, ROWS)
    assert main(["import", "--project", str(project), "--env", "dev"]) == 1
    err = capsys.readouterr().err
    assert "refused 2 of 5 row(s) (40.0%), more than the gate's max_reject_rate 5.0%" in err
    assert "IMPORT_CONTACT_NOT_FOUND 1" in err
    runs = list((workspace_home / "lac" / "imports" / "dev").iterdir())   # the import log stays for the reader
    assert len(runs) == 1 and (runs[0] / "rejects.csv").exists()


def test_an_import_that_loads_nothing_fails_then_env_setup_makes_it_load(project, workspace_home, prefect_api, capsys):
    """A project written from the README: its environment does not know the institution until `env setup`."""
    (project / "project.yaml").write_text(PROJECT + '  bare: {kind: sql, url: "sqlite:///envs/bare.sqlite"}\n')
    (project / "reference.yaml").write_text("titles: [MR, MRS, UNDEFINED]\nlanguages: [fr, de]\n")
    make_deliverable(workspace_home, ROWS[:1])
    assert main(["import", "--project", str(project), "--env", "bare"]) == 1
    assert "the import loaded nothing: 0 of 1 row(s) (mostly IMPORT_UNKNOWN_INSTITUTION 1)" in capsys.readouterr().err
    assert main(["env", "setup", "--project", str(project), "--env", "bare"]) == 0
    out = capsys.readouterr()
    assert last_line_of(out.out) == project / "envs"
    assert "bare: set up from reference.yaml; holds 1 institutions, 1 organizations, 3 titles, 2 languages" in out.err
    assert main(["import", "--project", str(project), "--env", "bare"]) == 0
    assert json.loads((last_line(capsys) / "summary.json").read_text())["imported"] == 1


def test_import_into_a_file_drop_environment(project, workspace_home, prefect_api, capsys):
    deliverable = make_deliverable(workspace_home, ROWS[:2])
    assert main(["import", "--project", str(project), "--env", "drop"]) == 0
    summary = json.loads((last_line(capsys) / "summary.json").read_text())
    dropped = project / "dropbox" / f"{deliverable}-contacts.csv"
    assert Path(summary["dropped_file"]) == dropped and summary["handed_over"] == 2
    import hashlib

    digest = hashlib.sha256(dropped.read_bytes()).hexdigest()
    assert (project / "dropbox" / f"{dropped.name}.sha256").read_text() == f"{digest}  {dropped.name}\n"
    assert not list((project / "dropbox").glob(".*part"))


def test_unknown_environment_is_a_configuration_error(project, capsys):
    assert main(["import", "--project", str(project), "--env", "nowhere"]) == 2
    assert "allowed: dev, drop" in capsys.readouterr().err


def test_service_inactivate_from_a_file_of_numbers(project, workspace_home, prefect_api, capsys, tmp_path):
    make_deliverable(workspace_home, ROWS[:1])
    assert main(["import", "--project", str(project), "--env", "dev"]) == 0
    capsys.readouterr()
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("CONTACT_NR\n1\n77\n", encoding="utf-8")
    assert main(["service", "inactivate", "--project", str(project), "--env", "dev", "--file", str(numbers)]) == 0
    folder = last_line(capsys)
    assert folder.parent == workspace_home / "lac" / "services" / "dev"
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["updated"], summary["not_imported"], summary["reasons"]) == (1, 1, {"IMPORT_CONTACT_NOT_FOUND": 1})
    store = open_store(f"sqlite:///{project / 'envs' / 'dev.sqlite'}")
    assert store.count("contact", "status = 'inactive'") == 1
    store.dispose()


def test_service_refuses_a_bad_file_with_exit_2(project, capsys, tmp_path):
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("1\nC-2\n", encoding="utf-8")
    assert main(["service", "delete", "--project", str(project), "--env", "dev", "--file", str(numbers)]) == 2
    err = capsys.readouterr().err
    assert "numbers.txt" in err and "row 2" in err and "CONTACT_NR" in err and "'C-2'" in err


def test_import_into_postgresql_through_an_env_reference(project, workspace_home, prefect_api, capsys, monkeypatch,
                                                         pg_server):
    name = pg_server.create_database("stx_cli_import")
    url = pg_server.url(dbname=name)
    store = open_store(url, name="pg")
    seed_reference_data(store, REFERENCE, institutions=["DEMO"])
    store.dispose()
    (project / "project.yaml").write_text(PROJECT + '  pg: {kind: sql, url: "${env:STX_TEST_PG_URL}"}\n', encoding="utf-8")
    make_deliverable(workspace_home, ROWS)
    monkeypatch.delenv("STX_TEST_PG_URL", raising=False)
    assert main(["import", "--project", str(project), "--env", "pg"]) == 2
    assert "STX_TEST_PG_URL" in capsys.readouterr().err
    monkeypatch.setenv("STX_TEST_PG_URL", url)
    assert main(["import", "--project", str(project), "--env", "pg"]) == 0
    out = capsys.readouterr()
    folder = last_line_of(out.out)
    summary = (folder / "summary.json").read_text()
    assert json.loads(summary)["imported"] == 3
    for text in (summary, (folder / "rejects.csv").read_text(), out.out, out.err):
        assert pg_server.password not in text and url not in text


def last_line_of(out: str) -> Path:
    return Path(out.strip().splitlines()[-1])
