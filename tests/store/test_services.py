"""The contact services (secutix-format §9) read back from the store, on SQLite and PostgreSQL."""
from __future__ import annotations

from store_helpers import frame, one

from stx_migrate.migration.store import import_contacts
from stx_migrate.migration.store.services import run_service

SEED = (dict(CONTACT_NR="100", FIRSTNAME="Zoë", LASTNAME="Müller", EMAIL1="zoe@example.com", TELEPHONE="+41 21 000 00 00",
             BIRTHDATE="01.02.1980", LINE1="1 rue X", ZIPCODE="1000", TOWN="Lausanne", COUNTRY="CH", CNIL_O="TRUE",
             CRIT01="SEGMENT=ABO", REMARK="likes opera"),
        dict(CONTACT_NR="200", FIRSTNAME="Jean", OFFICIAL_NAME="ACME", ADMIN_NUMBER="SIRET=1", CRIT01="SECTOR=BANK",
             EMAIL1="jean@acme.example"),
        dict(CONTACT_NR="300", FIRSTNAME="Ann", LASTNAME="Shared", EMAIL1="same@example.com"),
        dict(CONTACT_NR="301", FIRSTNAME="Bob", LASTNAME="Shared", EMAIL1="same@example.com"))


def seeded(store):
    import_contacts(store, frame(*SEED, dataset="seed"), run_id="seed", deliverable_id="seed", batch_rows=100)
    return store


def service(store, op, *rows, sid="s1", run=None):
    return run_service(op, store, frame(*rows, dataset="in"), run_id=run or f"run-{op}-{sid}", service_id=sid)


def test_create_and_update_by_number(store):
    r = service(store, "create", dict(CONTACT_NR="1", LASTNAME="New", OPERATION="UPDATE"))
    assert r.counts()["imported"] == 1
    r = service(store, "update", dict(CONTACT_NR="1", FIRSTNAME="Eve", PREF_LANG="en"), sid="s2")
    assert r.counts()["updated"] == 1
    assert one(store, "SELECT firstname, lastname, pref_lang FROM contact WHERE contact_nr = '1'") == [("Eve", "New", "en")]


def test_basic_update_by_email_changes_names_criteria_consents_only(store):
    seeded(store)
    r = service(store, "update-by-email",
                dict(EMAIL1=" ZOE@example.com", FIRSTNAME="Zoé", CRIT01="SEGMENT=VIP", CNIL_O="FALSE", TOWN="Genève"),
                dict(EMAIL1="nobody@example.com", LASTNAME="X"),
                dict(EMAIL1="same@example.com", LASTNAME="Y"))
    assert r.counts() == {"imported": 0, "updated": 1, "unchanged": 0, "not_imported": 2}
    codes = r.findings.set_index("source_ref")["code"].to_dict()
    assert codes["in:2"] == "IMPORT_EMAIL_NOT_FOUND" and codes["in:3"] == "IMPORT_EMAIL_AMBIGUOUS"
    assert codes["in:1"] == "IMPORT_FIELD_NOT_APPLICABLE"  # the town is not part of the basic update
    assert one(store, "SELECT firstname FROM contact WHERE contact_nr = '100'") == [("Zoé",)]
    assert one(store, "SELECT town FROM address a JOIN contact c ON c.id = a.contact_id WHERE c.contact_nr = '100' "
                      "AND (a.uses & 1) <> 0") == [("Lausanne",)]
    assert one(store, "SELECT consent_cnil_o FROM contact WHERE contact_nr = '100'")[0][0] in (False, 0)


def test_inactivate_is_idempotent_per_file(store):
    seeded(store)
    r = service(store, "inactivate", dict(CONTACT_NR="100"), dict(CONTACT_NR="999"))
    assert r.counts() == {"imported": 0, "updated": 1, "unchanged": 0, "not_imported": 1}
    assert one(store, "SELECT status FROM contact WHERE contact_nr = '100'") == [("inactive",)]
    again = service(store, "inactivate", dict(CONTACT_NR="100"), dict(CONTACT_NR="999"), run="r2")
    assert again.counts() == {"imported": 0, "updated": 0, "unchanged": 1, "not_imported": 1}


def test_anonymize_keeps_statistics_and_leaves_no_personal_value(store):
    seeded(store)
    r = service(store, "anonymize", dict(CONTACT_NR="100"))
    assert r.counts()["updated"] == 1
    c = one(store, "SELECT id, firstname, lastname, birthdate, remark, status, contact_nr FROM contact WHERE contact_nr = '100'")[0]
    assert (c.firstname, c.lastname, c.birthdate, c.remark, c.status) == (None, "ANONYMIZED", None, None, "anonymized")
    assert one(store, "SELECT line1, zipcode, town, country FROM address WHERE contact_id = :i", i=c.id)[0] == (None, None, None, "CH")
    assert one(store, "SELECT telephone, fax, cellphone, email1, email2, email3 FROM contact WHERE id = :i",
               i=c.id) == [(None,) * 6]
    assert one(store, "SELECT consent_cnil_o FROM contact WHERE id = :i", i=c.id) == [(None,)]  # was TRUE
    assert store.count("contact", "status = 'anonymized' AND (consent_cnil_o IS NOT NULL OR consent_partner IS NOT NULL "
                                  "OR consent_cnil_t IS NOT NULL OR consent_sms_mms IS NOT NULL OR consent_letter IS NOT NULL "
                                  "OR consent_phone IS NOT NULL OR consent_email IS NOT NULL)") == 0
    assert one(store, "SELECT COUNT(*) FROM criterion_assignment WHERE contact_id = :i", i=c.id) == [(1,)]
    assert one(store, "SELECT source_ref FROM import_row WHERE contact_id = :i", i=c.id) == [(None,), (None,)]
    # nothing in any table still holds one of the personal values
    for table in ("contact", "address", "import_row", "import_run"):
        dump = repr(one(store, f"SELECT * FROM {table}"))
        for value in ("Zoë", "Müller", "zoe@example.com", "likes opera", "1 rue X", "seed:1"):
            assert value not in dump, (table, value)
    # an UPDATE can no longer touch it, and a re-run of the old deliverable does not bring it back
    r = service(store, "update", dict(CONTACT_NR="100", LASTNAME="Back"), sid="s2")
    assert r.findings["code"].tolist() == ["IMPORT_CONTACT_ANONYMIZED"]
    again = import_contacts(store, frame(*SEED, dataset="seed"), run_id="seed2", deliverable_id="seed", batch_rows=100)
    assert again.counts()["imported"] == 0
    assert store.count("contact", "lastname = 'Müller'") == 0


def test_anonymized_sqlite_file_holds_no_trace(store, tmp_path):
    if store.dialect != "sqlite":
        return
    seeded(store)
    service(store, "anonymize", dict(CONTACT_NR="100"))
    path = store.engine.url.database
    store.dispose()
    data = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if __import__("os").path.exists(p))
    assert "Müller".encode() not in data and b"zoe@example.com" not in data and b"likes opera" not in data


def test_delete_takes_relays_and_children(store):
    seeded(store)
    structure_nr = one(store, "SELECT s.contact_nr FROM contact r JOIN contact s ON s.id = r.structure_id "
                              "WHERE r.contact_nr = '200'")[0][0]
    before = store.count("contact")
    r = service(store, "delete", dict(CONTACT_NR=structure_nr))
    assert r.counts()["updated"] == 1
    assert store.count("contact") == before - 2  # the structure and its relay
    assert store.count("contact", "contact_nr = '200'") == 0
    assert store.count("admin_number") == 0
    assert one(store, "SELECT COUNT(*) FROM criterion_assignment a LEFT JOIN contact c ON c.id = a.contact_id "
                      "WHERE c.id IS NULL") == [(0,)]
    assert store.count("address", "contact_id NOT IN (SELECT id FROM contact)") == 0


def test_qualify_contacts_and_structures(store):
    seeded(store)
    structure_nr = one(store, "SELECT s.contact_nr FROM contact r JOIN contact s ON s.id = r.structure_id "
                              "WHERE r.contact_nr = '200'")[0][0]
    r = service(store, "qualify-contacts", dict(CONTACT_NR="100", CRIT01="SEGMENT=VIP", LASTNAME="Ignored"))
    assert r.counts()["updated"] == 1
    assert one(store, "SELECT lastname FROM contact WHERE contact_nr = '100'") == [("Müller",)]
    r = service(store, "qualify-structures", dict(CONTACT_NR=structure_nr, STRUCT_TYPE="SCHOOL"),
                dict(CONTACT_NR="100", STRUCT_TYPE="SCHOOL"), sid="s2")
    assert r.counts() == {"imported": 0, "updated": 1, "unchanged": 0, "not_imported": 1}
    assert r.findings.set_index("source_ref").loc["in:2", "code"] == "IMPORT_NOT_A_STRUCTURE"
    assert one(store, "SELECT struct_type FROM contact WHERE contact_nr = :n", n=structure_nr) == [("SCHOOL",)]


def _moved_while_waiting(store, op, row, move_sql):
    """Run service ``op`` on ``row`` while another writer holds the store's lock; that writer runs ``move_sql``
    only once the service has said it waits, then lets it go. The service's result."""
    import threading

    from stx_migrate.migration.store.writers import writers_lock

    waiting, result = threading.Event(), {}

    def run() -> None:
        result["r"] = run_service(op, store, frame(row, dataset="in"), run_id=f"run-{op}", service_id="s-moved",
                                  on_wait=waiting.set)

    with store.engine.connect() as holder, writers_lock(store, holder):
        worker = threading.Thread(target=run)
        worker.start()
        assert waiting.wait(60), "the service did not wait for the writer holding the lock"
        with store.transaction(holder) as conn:
            for statement in move_sql:
                conn.exec_driver_sql(statement)
    worker.join(60)
    return result["r"]


def test_the_basic_update_finds_the_e_mails_owner_after_the_writer_it_waited_for(store):
    # the owner is looked up under the lock: an e-mail moved by the writer it waited for leads to its new owner
    seeded(store)
    r = _moved_while_waiting(store, "update-by-email", dict(EMAIL1="zoe@example.com", FIRSTNAME="Moved"), [
        "UPDATE contact SET email1 = NULL WHERE contact_nr = '100'",
        "UPDATE contact SET email1 = 'zoe@example.com' WHERE contact_nr = '200'"])
    assert r.counts() == {"imported": 0, "updated": 1, "unchanged": 0, "not_imported": 0}
    assert one(store, "SELECT contact_nr, firstname FROM contact WHERE contact_nr IN ('100', '200') ORDER BY contact_nr") \
        == [("100", "Zoë"), ("200", "Moved")]


def test_qualify_structures_judges_the_kind_after_the_writer_it_waited_for(store):
    seeded(store)   # ACME is a structure until the writer the service waits for makes it an individual
    acme = one(store, "SELECT contact_nr FROM contact WHERE kind = 'structure'")[0][0]
    r = _moved_while_waiting(store, "qualify-structures", dict(CONTACT_NR=acme, STRUCT_TYPE="SCHOOL"),
                             [f"UPDATE contact SET kind = 'individual' WHERE contact_nr = '{acme}'"])
    assert r.counts() == {"imported": 0, "updated": 0, "unchanged": 0, "not_imported": 1}
    assert set(r.findings["code"]) == {"IMPORT_NOT_A_STRUCTURE"}
    assert one(store, "SELECT struct_type FROM contact WHERE contact_nr = :n", n=acme) != [("SCHOOL",)]
