"""The insert-only fast path writes exactly what the stage path writes, and leaves no scratch file behind."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from store_helpers import frame, one

from stx_migrate.migration.store import import_contacts, open_store
from stx_migrate.migration.store.bulk import scratch_files

NEW_ROWS = [
    dict(CONTACT_NR="100", TITLE="MRS", FIRSTNAME="Zoë", LASTNAME="Müller", BIRTHDATE="31.01.1980", PREF_LANG="fr",
         LINE1="1 rue de la Paix", ZIPCODE="75002", TOWN="Paris", COUNTRY="FR", ADDR_TYPE="MB", EMAIL1="zoe@example.com",
         CELLPHONE="+33 6", CNIL_O="TRUE", EMAIL="FALSE", CRIT01="PREFCOL=Red|Green", CRIT02="SEGMENT=ABO",
         REMARK="||first", FUNCTION="="),
    dict(CONTACT_NR="200", FIRSTNAME="Jo", OFFICIAL_NAME="ACME", TOWN="Lyon", STRUCT_TYPE="COMPANY", NB_EMPLOYEES="12",
         ADMIN_NUMBER="SIRET=123", CRIT01="SEGMENT=VIP", CRIT02="PREFCOL=Blue", SMS_MMS="TRUE", TELEPHONE="+41 22"),
    dict(CONTACT_NR="201", FIRSTNAME="Al", OFFICIAL_NAME="ACME", TOWN="Lyon"),           # joins the structure above
    dict(OFFICIAL_NAME="Lonely SA", LINE2="BP 4", ADDR_TYPE="S", WEB_SITE="x.example", EMAIL2="info@lonely.example"),
    dict(LASTNAME="No number", ADDR_TYPE="", COUNTRY="CH", DEPARTMENT="GE"),
]
TABLES = {
    "contact": "contact_nr, organization, kind, status, title, letter_salutation, addr_salutation, function, remark, "
               "firstname, lastname, birthdate, pref_lang, official_name, address_name1, address_name2, struct_type, "
               "community_type, nb_employees, web_site, match_key, created_run, consent_cnil_o, consent_partner, "
               "consent_cnil_t, consent_sms_mms, consent_letter, consent_phone, consent_email, "
               "telephone, fax, cellphone, email1, email2, email3, "
               "(SELECT s.contact_nr FROM contact s WHERE s.id = t.structure_id)",
    "address": "uses, line1, line2, line3, zipcode, town, town_complement, department, country",
    "admin_number": "code, number",
    "criterion_assignment": "(SELECT code FROM criterion_element e WHERE e.id = t.element_id), criterion_id",
    "import_row": "row_key, run_id, deliverable_id, source_ref, action",
}


def snapshot(store, skip_nr: str) -> dict[str, list]:
    """Every table's rows by contact number (ids may differ between runs), without contact ``skip_nr``."""
    out = {}
    for table, cols in TABLES.items():
        nr = "t.contact_nr" if table == "contact" else "(SELECT c.contact_nr FROM contact c WHERE c.id = t.contact_id)"
        rows = one(store, f"SELECT {nr}, {cols} FROM {table} t")
        out[table] = sorted((tuple("" if v is None else str(v) for v in r) for r in rows if r[0] != skip_nr))
    return out


def test_insert_only_rounds_write_what_the_stage_path_writes(store):
    new = frame(*NEW_ROWS)
    # the same rows once with an UPDATE row in their round (stage path), once alone (insert-only path)
    import_contacts(store, frame(dict(CONTACT_NR="900", LASTNAME="Old")), run_id="r0", deliverable_id="d0")
    mixed = frame(*NEW_ROWS, dict(OPERATION="UPDATE", CONTACT_NR="900", LASTNAME="Changed"))
    result = import_contacts(store, mixed, run_id="r1", deliverable_id="d1")
    assert result.counts() == {"imported": 5, "updated": 1, "unchanged": 0, "not_imported": 0}
    via_stage = snapshot(store, "900")
    with store.transaction() as c:
        for table in ("criterion_assignment", "admin_number", "address",
                      "import_row"):
            c.exec_driver_sql(f"DELETE FROM {table}")
        c.exec_driver_sql("DELETE FROM contact WHERE structure_id IS NOT NULL")
        c.exec_driver_sql("DELETE FROM contact")
        c.exec_driver_sql("DELETE FROM contact_number_range")
        c.exec_driver_sql("DELETE FROM import_run")
    import_contacts(store, frame(dict(CONTACT_NR="900", LASTNAME="Old")), run_id="r0", deliverable_id="d0")
    result = import_contacts(store, new, run_id="r1", deliverable_id="d1")
    assert result.counts() == {"imported": 5, "updated": 0, "unchanged": 0, "not_imported": 0}
    assert snapshot(store, "900") == via_stage
    # one address row each (relay and new structure: one each), whatever the uses (M 1, S 2, B 4)
    assert sorted(r[1] for r in via_stage["address"]) == ["2", "5", "7", "7", "7", "7"] \
        and store.count("contact", "consent_cnil_o OR consent_sms_mms OR NOT consent_email") == 2


def test_sqlite_scratch_files_are_deleted(tmp_path, sqlite_template):
    import shutil

    path = tmp_path / "env.sqlite"
    shutil.copyfile(sqlite_template, path)
    # a scratch file of a process that no longer exists (a killed import) is removed when the store is opened
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = f"{path}.load-{int(dead.stdout)}-0"
    open(stale, "wb").close()
    store = open_store(f"sqlite:///{path}", name="dev")
    assert not os.path.exists(stale)
    import_contacts(store, frame(*NEW_ROWS), run_id="r1", deliverable_id="d1")
    assert store.count("contact") == 6
    assert scratch_files(str(path)) == []
    store.dispose()


def test_sqlite_import_of_new_contacts_restores_row_checks_on_its_connection(tmp_path, sqlite_template):
    """Foreign keys and CHECKs are off only while an import of new contacts writes (insert_only.check_rows stands in)."""
    import shutil

    path = tmp_path / "env.sqlite"
    shutil.copyfile(sqlite_template, path)
    store = open_store(f"sqlite:///{path}", name="dev")
    # batches of 2: planning ahead, with the checkpoint thread (the writer's own checkpoints are off meanwhile)
    import_contacts(store, frame(*NEW_ROWS), run_id="r1", deliverable_id="d1", batch_rows=2)
    assert store.count("contact") == 6
    with store.engine.connect() as c:  # the pool hands out the import's writer connection again
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert c.exec_driver_sql("PRAGMA ignore_check_constraints").scalar_one() == 0
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
    store.dispose()


def test_batches_are_cut_with_small_first_and_last_ones():
    from stx_migrate.migration.store.importer import _batch_bounds

    sizes = [stop - start for start, stop in _batch_bounds(1_000_000, 100_000)]
    assert sizes[0] == sizes[-1] == 25_000 and max(sizes) == 100_000 and sum(sizes) == 1_000_000
    bounds = _batch_bounds(10, 2)
    assert bounds[0] == (0, 1) and bounds[-1] == (9, 10) and all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert _batch_bounds(150, 100) == [(0, 100), (100, 150)] and _batch_bounds(0, 100) == []


def test_insert_only_rows_are_checked_before_they_are_written():
    import pyarrow as pa
    import pytest

    from stx_migrate.migration.store.insert_only import check_rows

    contact = pa.table({"id": pa.array([1, 2]), "kind": pa.array(["individual", "relay"], pa.large_string()),
                        "status": pa.array(["active", "active"], pa.large_string())})
    check_rows({"contact": contact, "admin_number": pa.table({"contact_id": pa.array([1, 2, 2])})})
    with pytest.raises(RuntimeError, match="admin_number row points at no contact"):
        check_rows({"contact": contact, "admin_number": pa.table({"contact_id": pa.array([1, 3])})})
    with pytest.raises(RuntimeError, match="unknown kind"):
        check_rows({"contact": contact.set_column(1, "kind", pa.array(["person", "relay"], pa.large_string()))})
    with pytest.raises(RuntimeError, match="no use"):
        check_rows({"contact": contact, "address": pa.table({"contact_id": pa.array([1]), "uses": pa.array([0])})})


def test_sqlite_parent_checks_stand_in_for_foreign_keys(tmp_path, sqlite_template):
    """With foreign keys off, a contact whose institution does not exist is refused, bound or read from the scratch."""
    import shutil

    import pyarrow as pa
    import pytest

    from stx_migrate.migration.store.insert_only import prepare, write_final

    path = tmp_path / "env.sqlite"
    shutil.copyfile(sqlite_template, path)
    store = open_store(f"sqlite:///{path}", name="dev")
    known = one(store, "SELECT id FROM institution")[0][0]

    def contacts(institutions):
        n = len(institutions)
        return {"contact": pa.table({"id": pa.array(range(1, n + 1)), "contact_nr": pa.array([f"9{i}" for i in range(n)]),
                                     "institution_id": pa.array(institutions),
                                     "kind": pa.array(["individual"] * n, pa.large_string()),
                                     "status": pa.array(["active"] * n, pa.large_string())})}

    with store.engine.connect() as c:
        c.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        for institutions in ([known + 7, known + 7], [known, known + 7]):  # one value (bound) / several (scratch)
            with pytest.raises(RuntimeError, match="institution_id value"):
                with c.begin():
                    write_final(c, prepare(c, contacts(institutions)))
        with c.begin():
            write_final(c, prepare(c, contacts([known, known])))
        c.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    assert store.count("contact") == 2
    store.dispose()


def test_the_journal_is_written_in_row_key_order(store):
    """Each batch's journal lands sorted by its random key (one pass over the key's index)."""
    if store.dialect != "sqlite":
        pytest.skip("rowid order is SQLite's")
    rows = [dict(CONTACT_NR=str(500 + i), LASTNAME=f"Name{i}") for i in range(40)]
    import_contacts(store, frame(*rows), run_id="r1", deliverable_id="d1")
    keys = [r[0] for r in one(store, "SELECT row_key FROM import_row ORDER BY rowid")]
    assert len(keys) == 40 and keys == sorted(keys)


def test_criteria_are_loaded_in_contact_then_element_order(store, monkeypatch):
    """Criterion lines come column after column; they are loaded in the table's key order, each once."""
    if store.dialect != "sqlite":
        pytest.skip("the SQLite scratch file is what is looked at")
    from stx_migrate.migration.store import bulk

    loaded, write = [], bulk.write_scratch
    monkeypatch.setattr(bulk, "write_scratch", lambda path, tables: loaded.append(tables) or write(path, tables))
    rows = [dict(CONTACT_NR=str(700 + i), LASTNAME=f"Name{i}", CRIT01="PREFCOL=Red|Green|Red", CRIT02="SEGMENT=ABO")
            for i in range(5)]
    import_contacts(store, frame(*rows), run_id="r1", deliverable_id="d1")
    crit = next(tables["criterion_assignment"] for tables in loaded if "criterion_assignment" in tables)
    lines = list(zip(crit["contact_id"].to_pylist(), crit["element_id"].to_pylist()))
    assert len(lines) == 15 and lines == sorted(set(lines)) and store.count("criterion_assignment") == 15


def test_planning_ahead_the_writer_loads_the_criterion_lines_itself(store, monkeypatch):
    """The planner's scratch files hold no criterion lines: the writer writes those (the planner is the slower)."""
    if store.dialect != "sqlite":
        pytest.skip("the SQLite scratch file is what is looked at")
    import threading

    from stx_migrate.migration.store import bulk

    calls, write = [], bulk.write_scratch
    monkeypatch.setattr(bulk, "write_scratch", lambda path, tables: calls.append(
        (threading.current_thread().name, sorted(tables))) or write(path, tables))
    rows = [dict(CONTACT_NR=str(800 + i), LASTNAME=f"Name{i}", CRIT01="PREFCOL=Red|Green", CRIT02="SEGMENT=ABO")
            for i in range(12)]
    result = import_contacts(store, frame(*rows), run_id="r1", deliverable_id="d1", batch_rows=3)
    assert result.imported == 12 and store.count("criterion_assignment") == 36
    planner = [tables for thread, tables in calls if thread.startswith("stx-plan")]
    writer = [tables for thread, tables in calls if thread == threading.main_thread().name]
    assert planner and all("criterion_assignment" not in t and "contact" in t for t in planner)
    assert len(writer) == len(planner) and all(t == ["criterion_assignment"] for t in writer)
    assert not bulk.scratch_files(str(store.engine.url.database))
