"""`stx-migrate env reset`: a store emptied of its imports, its set-up kept, in one transaction; never production."""
from __future__ import annotations

import io
import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from store_helpers import large_contacts, one

from stx_migrate.cli.main import main
from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.store import import_contacts
from stx_migrate.migration.store.reset import reset_store
from stx_migrate.migration.store.setup_io import read_setup

IMPORTED = ("contact", "address", "criterion_assignment", "import_run", "import_row")


def snapshot(store) -> dict:
    """What a test compares before and after: row counts, the numbers and the range cursor."""
    return {**{t: store.count(t) for t in IMPORTED},
            "numbers": sorted(r[0] for r in one(store, "SELECT contact_nr FROM contact")),
            "ranges": one(store, "SELECT name, next_value FROM contact_number_range ORDER BY name")}


def test_reset_empties_what_imports_wrote_and_the_same_import_then_gives_the_same_counts(store):
    contacts = large_contacts(120)
    first = import_contacts(store, contacts, run_id="R1", deliverable_id="D1", batch_rows=50)
    setup = read_setup(store)
    before = snapshot(store)
    assert first.imported == 120 and before["contact"] == 138 and before["ranges"]   # 18 relays: 18 structures
    counts = reset_store(store, expected_contacts=138)
    assert counts["contacts"] == 138 and counts["import runs"] == 1 and counts["import rows"] == 120
    assert {t: store.count(t) for t in IMPORTED} == dict.fromkeys(IMPORTED, 0)
    assert read_setup(store) == setup                                  # institution, code lists, criteria kept
    again = import_contacts(store, contacts, run_id="R2", deliverable_id="D1", batch_rows=50)
    assert again.counts() == first.counts()                           # not 120 "unchanged", no number refused
    assert snapshot(store) == before                                  # the same auto-allocated numbers too


def test_a_reset_sqlite_file_keeps_no_trace_of_the_people_it_removed(store):
    # without secure_delete (store.py) deleted rows stay in SQLite's free pages until reused: the file would hold them
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL: TRUNCATE gives each table a new file and removes the old one")
    import_contacts(store, large_contacts(120), run_id="R1", deliverable_id="D1", batch_rows=50)
    reset_store(store, expected_contacts=138)
    path = store.engine.url.database
    store.dispose()
    data = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
    assert b"Name117" not in data and b"p42@example.com" not in data and b"Company 3" not in data


def test_a_reset_failing_halfway_leaves_the_store_as_it_was(store):
    import_contacts(store, large_contacts(30), run_id="R1", deliverable_id="D1")
    before = snapshot(store)
    with store.engine.begin() as c:   # a table the reset does not know points at a contact: emptying contact fails
        c.exec_driver_sql("CREATE TABLE keeper (contact_id BIGINT REFERENCES contact (id))")
        c.exec_driver_sql("INSERT INTO keeper SELECT MIN(id) FROM contact")
    try:
        with pytest.raises(GuardRefused, match="keeper.*: it holds foreign keys to the contacts the reset removes"):
            reset_store(store)                                            # after the journal tables were emptied
        assert snapshot(store) == before
    finally:
        with store.engine.begin() as c:
            c.exec_driver_sql("DROP TABLE keeper")


def test_a_reset_killed_halfway_leaves_the_store_as_it_was(store):
    import_contacts(store, large_contacts(30), run_id="R1", deliverable_id="D1")
    before = snapshot(store)
    worker = Path(__file__).with_name("reset_worker.py")
    url = store.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, str(worker), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "halfway\n", proc.stderr.read()[-2000:]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert snapshot(store) == before


def test_a_store_that_changed_since_the_confirmation_is_not_touched(store):
    import_contacts(store, large_contacts(10), run_id="R1", deliverable_id="D1")
    before = snapshot(store)
    with pytest.raises(GuardRefused, match="now holds 12 contact\\(s\\), not the 3 confirmed"):
        reset_store(store, expected_contacts=3)
    assert snapshot(store) == before


# --- the command, on a project ------------------------------------------------------------------------
PROJECT = """\
name: lac
institution: DEMO
organization: DEMO
j_date: 2027-03-01
source: {kind: csv, datasets: {clients: {file: clients.csv}}}
gate: {max_reject_rate: 0.5}     # these imports refuse 2 of 5 rows on purpose
environments:
  dev: {kind: sql, url: "URL", batch_rows: 2}
  prod: {kind: sql, url: "sqlite:///envs/prod.sqlite"}
  live: {kind: sql, url: "sqlite:///envs/live.sqlite", production: true}
  drop: {kind: file-drop, path: dropbox}
"""
_databases = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, tmp_path, workspace_home, monkeypatch):
    """A project whose dev environment is set up, on SQLite or on the real PostgreSQL server."""
    url = "sqlite:///envs/dev.sqlite"
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_server")
        monkeypatch.setenv("STX_RESET_DEV_URL", pg.url(dbname=pg.create_database(f"stx_reset_{next(_databases)}")))
        url = "${env:STX_RESET_DEV_URL}"
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "project.yaml").write_text(PROJECT.replace("URL", url), encoding="utf-8")
    (folder / "reference.yaml").write_text("titles: [MR, MRS, UNDEFINED]\nlanguages: [fr, en]\n"
                                           "criteria: {PREFCOL: {contact_type: individual, elements: [Red]}}\n")
    from stx_migrate.migration.approvals import Approval, record_approval   # ADI approved the protocol (step 6)

    record_approval(workspace_home / "lac" / "procedure", Approval(step="transformations", approved=True, by="adi",
                                                                   protocol_hash="h"))
    assert main(["env", "setup", "--project", str(folder), "--env", "dev"]) == 0
    return folder


def _import(project, capsys, deliverable: str) -> dict:
    assert main(["import", "--project", str(project), "--env", "dev", "--deliverable", deliverable]) == 0
    summary = json.loads((Path(capsys.readouterr().out.strip().splitlines()[-1]) / "summary.json").read_text())
    return {k: summary[k] for k in ("imported", "updated", "unchanged", "not_imported")}


def test_import_reset_import_gives_the_first_counts_and_is_journalled(project, workspace_home, capsys):
    from test_cli_import import ROWS, make_deliverable

    deliverable = make_deliverable(workspace_home, ROWS)
    first = _import(project, capsys, deliverable)
    assert first == {"imported": 3, "updated": 0, "unchanged": 0, "not_imported": 2}
    assert _import(project, capsys, deliverable)["unchanged"] == 3       # what a second trial met before the reset
    fixed = make_deliverable(workspace_home, ROWS)                       # a new deliverable, the same numbers: taken
    assert main(["import", "--project", str(project), "--env", "dev", "--deliverable", fixed]) == 1
    assert "IMPORT_CONTACT_NR_TAKEN 2" in capsys.readouterr().err
    assert main(["env", "reset", "--project", str(project), "--env", "dev", "--yes"]) == 0
    err = capsys.readouterr().err
    assert "dev: reset; removed 5 contacts, 0 addresses, 0 admin numbers, 0 criteria, 3 import runs, 4 import rows" in err
    assert _import(project, capsys, deliverable) == first
    assert main(["env", "reset", "--project", str(project), "--env", "dev", "--yes"]) == 0
    assert _import(project, capsys, fixed) == first
    journal = (workspace_home / "lac" / "procedure" / "events.jsonl").read_text()
    resets = [e for e in map(json.loads, journal.splitlines()) if e["kind"] == "env-reset"]
    assert [(e["env"], e["ok"], e["detail"]) for e in resets][:2] == [
        ("dev", True, "started"),
        ("dev", True, "contacts 5, addresses 0, admin numbers 0, criteria 0, import runs 3, import rows 4")]
    assert "Alpha" not in journal and "ACME" not in journal                  # counts only, no person


def test_a_failed_reset_is_one_line_and_journalled_as_started_then_failed(project, workspace_home, capsys):
    from test_cli_import import ROWS, make_deliverable

    from stx_migrate.connectors.environments import open_environment_store
    from stx_migrate.migration.settings.project import load_project

    _import(project, capsys, make_deliverable(workspace_home, ROWS))
    store = open_environment_store(load_project(project), "dev")
    with store.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE keeper (contact_id BIGINT REFERENCES contact (id))")
        c.exec_driver_sql("INSERT INTO keeper SELECT MIN(id) FROM contact")
    assert main(["env", "reset", "--project", str(project), "--env", "dev", "--yes"]) == 1
    err = capsys.readouterr().err.strip()
    assert "keeper" in err and "nothing removed" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert store.count("contact") == 4
    store.dispose()
    journal = (workspace_home / "lac" / "procedure" / "events.jsonl").read_text().splitlines()
    assert [(e["ok"], e["detail"]) for e in map(json.loads, journal) if e["kind"] == "env-reset"] == [
        (True, "started"), (False, "failed (GuardRefused): nothing removed")]   # the guards take it as done


def test_a_count_that_changed_since_the_confirmation_journals_nothing_and_voids_nothing(project, workspace_home, capsys):
    from test_cli_import import ROWS, make_deliverable

    from stx_migrate.connectors.env_reset import reset_environment
    from stx_migrate.migration.errors import GuardRefused
    from stx_migrate.migration.settings.project import load_project

    _import(project, capsys, make_deliverable(workspace_home, ROWS))
    with pytest.raises(GuardRefused, match="nothing removed"):
        reset_environment(load_project(project), "dev", expected_contacts=3)    # the store holds 4
    journal = (workspace_home / "lac" / "procedure" / "events.jsonl").read_text().splitlines()
    assert [e for e in map(json.loads, journal) if e["kind"] == "env-reset"] == []   # the import still counts


def test_decide_has_nothing_to_decide_on_once_preprod_was_reset(project, workspace_home, capsys, monkeypatch):
    from test_cli_import import ROWS, make_deliverable

    from stx_migrate.migration.procedure import Event, read_decisions, record_event

    monkeypatch.setenv("STX_MIGRATE_RUNS", "plain")
    procedure = workspace_home / "lac" / "procedure"
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=make_deliverable(workspace_home, ROWS),
                                  protocol_hash="h"))
    record_event(procedure, Event(kind="env-reset", env="preprod", detail="contacts 4"))
    assert main(["decide", "--project", str(project), "--approve", "--by", "Claire"]) == 1
    assert "no deliverable was imported into pre-production yet (or since its last env reset)" in capsys.readouterr().err
    assert read_decisions(procedure) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, code, says", [
    ("prod", 1, "prod is a production environment (prod, or production: true in project.yaml): it is never reset"),
    ("live", 1, "live is a production environment"),
    ("drop", 1, "drop is a file-drop environment: its contacts are in SecuTix"),
    ("nowhere", 2, "environments › nowhere: not declared"),
])
def test_refusals_are_one_line_with_their_exit_code(project, capsys, env, code, says):
    assert main(["env", "reset", "--project", str(project), "--env", env, "--yes"]) == code
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (project / "envs" / "prod.sqlite").exists()                   # not even created to be looked at


def test_it_asks_naming_the_env_and_the_count_and_never_waits_without_a_terminal(project, workspace_home, capsys,
                                                                                monkeypatch):
    from test_cli_import import ROWS, make_deliverable

    _import(project, capsys, make_deliverable(workspace_home, ROWS))
    reset = ["env", "reset", "--project", str(project), "--env", "dev"]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))                        # a pipe: refused at once
    assert main(reset) == 1
    assert "dev not reset: no terminal to confirm on; give --yes to remove its 4 contact(s)" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    assert main(reset) == 1
    err = capsys.readouterr().err
    assert "Remove the 4 contact(s) and the import journal of dev? Its set-up is kept." in err
    assert "dev not reset (not confirmed)" in err
    assert not (workspace_home / "lac" / "procedure" / "events.jsonl").read_text().count("env-reset")
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    assert main(reset) == 0
    assert "dev: reset; removed 4 contacts" in capsys.readouterr().err



def test_a_reset_waits_for_a_writer_holding_the_lock_and_says_so(project, workspace_home, capsys, monkeypatch):
    import threading

    from test_cli_import import ROWS, make_deliverable

    from stx_migrate.connectors.environments import open_environment_store
    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.migration.store import reset as reset_module
    from stx_migrate.migration.store.writers import writers_lock

    _import(project, capsys, make_deliverable(workspace_home, ROWS))
    held, asked = threading.Event(), threading.Event()
    reset_store = reset_module.reset_store

    journal = workspace_home / "lac" / "procedure" / "events.jsonl"
    resets_when_waiting = []

    def noticing(store, expected, on_wait, on_locked):   # the command's own on_wait, and the writer hears of it
        def waiting():
            on_wait()
            resets_when_waiting.append(journal.read_text().count("env-reset"))
            asked.set()
        return reset_store(store, expected, waiting, on_locked)

    def writer():   # an import's stand-in: holds the lock until the reset waits for it
        store = open_environment_store(load_project(project), "dev")
        with store.engine.connect() as conn, writers_lock(store, conn):
            held.set()
            asked.wait(60)
        store.dispose()

    monkeypatch.setattr(reset_module, "reset_store", noticing)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(60)
        assert main(["env", "reset", "--project", str(project), "--env", "dev", "--yes"]) == 0
    finally:
        asked.set()
        thread.join()
    err = capsys.readouterr().err
    assert "dev: an import is writing into it; the reset waits for it to end (Ctrl-C to give up)" in err
    assert "dev: reset; removed 4 contacts" in err
    assert resets_when_waiting == [0]   # "started" once the lock is held: a wait given up (Ctrl-C) voids nothing
    assert [e["detail"][:7] for e in map(json.loads, journal.read_text().splitlines()) if e["kind"] == "env-reset"] == [
        "started", "contact"]
