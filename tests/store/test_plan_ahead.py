"""Planning the next batch while the current one is written gives exactly the serial result."""
from __future__ import annotations

from store_helpers import frame, one

from stx_migrate.migration.store import import_contacts, open_store
from stx_migrate.migration.store.bulk import scratch_files

# batch size 2: rows depend on rows of earlier batches (numbers, structures, ids, the auto range)
ROWS = [
    dict(CONTACT_NR="100", LASTNAME="A", EMAIL1="a@example.com", CNIL_O="TRUE"),
    dict(LASTNAME="Auto 1", TOWN="Bern"),                                             # auto number
    dict(OPERATION="UPDATE", CONTACT_NR="100", LASTNAME="A2", TOWN="Genf"),         # batch 1 updates batch 0
    dict(FIRSTNAME="R1", OFFICIAL_NAME="ACME", TOWN="Lyon", CRIT01="SECTOR=BANK"),  # new structure + relay
    dict(FIRSTNAME="R2", OFFICIAL_NAME="ACME", TOWN="Lyon"),                        # joins it (next batch)
    dict(OFFICIAL_NAME="ACME", TOWN="Lyon"),                                        # matched
    dict(CONTACT_NR="100", LASTNAME="Taken"),                                       # IMPORT_CONTACT_NR_TAKEN
    dict(CONTACT_NR="100000004", LASTNAME="Takes an auto number"),                 # the next number of the auto range
    dict(LASTNAME="Auto 2"),                                                         # must skip 100000004
    dict(OPERATION="UPDATE", CONTACT_NR="100000000", REMARK="||x"),                  # an auto-numbered contact
    dict(CONTACT_NR="300", LASTNAME="Twice"),
    dict(OPERATION="UPDATE", CONTACT_NR="300", LASTNAME="Twice2"),                  # two rounds in one batch
]


def store_content(store):
    contacts = one(store, "SELECT c.contact_nr, c.kind, c.lastname, c.firstname, c.remark, s.contact_nr, c.id, "
                          "c.consent_cnil_o, c.email1, c.telephone, c.cellphone "
                          "FROM contact c LEFT JOIN contact s ON s.id = c.structure_id ORDER BY c.contact_nr")
    children = {t: sorted(one(store, f"SELECT c.contact_nr, {cols} FROM {t} x JOIN contact c ON c.id = x.contact_id"))
                for t, cols in (("address", "uses, town"),
                                ("criterion_assignment", "element_id"))}
    journal = sorted(one(store, "SELECT source_ref, action, contact_id FROM import_row"))
    return contacts, children, journal


def test_plan_ahead_equals_serial(store):
    rows = frame(*ROWS)
    serial = import_contacts(store, rows, run_id="r1", deliverable_id="d1", batch_rows=2, plan_ahead=False)
    expected = store_content(store)
    with store.transaction() as c:
        for t in ("criterion_assignment", "admin_number", "address",
                  "import_row", "import_run", "contact_number_range"):
            c.exec_driver_sql(f"DELETE FROM {t}")
        c.exec_driver_sql("DELETE FROM contact WHERE structure_id IS NOT NULL")
        c.exec_driver_sql("DELETE FROM contact")
    ahead = import_contacts(store, rows, run_id="r1", deliverable_id="d1", batch_rows=2, plan_ahead=True)
    assert ahead.counts() == serial.counts() == {"imported": 7, "updated": 3, "unchanged": 1, "not_imported": 1}
    assert ahead.reasons() == serial.reasons() == {"IMPORT_CONTACT_NR_TAKEN": 1}
    assert store_content(store) == expected
    assert {"100000004", "100000005"} <= {r[0] for r in expected[0]} and len(expected[0]) == 8
    if store.dialect == "postgresql":  # the import's writer lock ends with it (the pool keeps sessions open)
        assert one(store, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'") == [(0,)]


def test_a_write_by_someone_else_between_batches_is_seen(tmp_path, sqlite_template):
    """SQLite: another connection commits between two batches; the batch planned ahead is planned again.

    Not another import: it waits for the writers' lock (writers.py). A write that does not take it
    (``env setup``, a hand-made one) still can.
    """
    import shutil

    path = tmp_path / "env.sqlite"
    shutil.copyfile(sqlite_template, path)
    store = open_store(f"sqlite:///{path}", name="dev")
    other = open_store(f"sqlite:///{path}", name="dev")
    rows = frame(dict(CONTACT_NR="1", LASTNAME="A"), dict(CONTACT_NR="2", LASTNAME="B"), dict(CONTACT_NR="3", LASTNAME="C"))

    def meanwhile(done: int, total: int) -> None:
        if done == 1:  # batch 2 is being planned (or already planned) without this contact
            with other.transaction() as c:   # contact 1 copied as contact 2
                first = c.exec_driver_sql("SELECT * FROM contact WHERE contact_nr = '1'").mappings().one()
                row = {**first, "id": first["id"] + 1000, "contact_nr": "2", "lastname": "Someone else"}
                c.exec_driver_sql(f"INSERT INTO contact ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                  tuple(row.values()))

    result = import_contacts(store, rows, run_id="r", deliverable_id="d", batch_rows=1, on_batch=meanwhile)
    assert result.counts() == {"imported": 2, "updated": 0, "unchanged": 0, "not_imported": 1}
    assert result.reasons() == {"IMPORT_CONTACT_NR_TAKEN": 1}
    assert one(store, "SELECT lastname FROM contact WHERE contact_nr = '2'") == [("Someone else",)]
    assert scratch_files(str(path)) == []  # the dropped plan's scratch file went with it
    store.dispose()
    other.dispose()
