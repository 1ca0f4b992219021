"""Import semantics read back from the store (secutix-format §3, §4, §7), on SQLite and PostgreSQL."""
from __future__ import annotations

from store_helpers import frame, one

from stx_migrate.migration.store import import_contacts


def run(store, contacts, run_id="r1", deliverable="d1"):
    return import_contacts(store, contacts, run_id=run_id, deliverable_id=deliverable, batch_rows=1000)


PERSON = dict(CONTACT_NR="100", TITLE="MRS", FIRSTNAME="Zoë", LASTNAME="Müller", BIRTHDATE="31.01.1980",
              PREF_LANG="fr", LINE1="1 rue de la Paix", ZIPCODE="75002", TOWN="Paris", COUNTRY="FR", ADDR_TYPE="MB",
              EMAIL1="zoe@example.com", CELLPHONE="+33 6 12 34 56 78", CNIL_O="TRUE", EMAIL="FALSE",
              CRIT01="PREFCOL=Red|Green", CRIT02="SEGMENT=ABO", REMARK="first")


def contact(store, nr):
    rows = one(store, "SELECT kind, title, firstname, lastname, birthdate, pref_lang, remark, official_name, struct_type, "
                      "structure_id, id, status FROM contact WHERE contact_nr = :nr", nr=nr)
    assert len(rows) == 1, rows
    return rows[0]


def addresses(store, contact_id):
    """Use (M, S, B) → the address fields it has: an address row serves the uses of its bit set."""
    rows = one(store, "SELECT uses, line1, zipcode, town, country FROM address WHERE contact_id = :i", i=contact_id)
    out = {use: tuple(r[1:]) for r in rows for use, bit in (("M", 1), ("S", 2), ("B", 4)) if r[0] & bit}
    assert len(out) == sum(bin(r[0]).count("1") for r in rows), "a use is served by one address only"
    return out


def means(store, contact_id):
    """The contact's communication means, type → value (columns of the contact since Alembic 0004)."""
    types = ("TELEPHONE", "FAX", "CELLPHONE", "EMAIL1", "EMAIL2", "EMAIL3")
    row = one(store, f"SELECT {', '.join(t.lower() for t in types)} FROM contact WHERE id = :i", i=contact_id)[0]
    return {t: v for t, v in zip(types, row) if v is not None}


def consents(store, contact_id):
    """The consents given (channel → granted): one column per channel of the contact, NULL = not given."""
    from stx_migrate.migration.store.columns import AUTH_COLUMNS, auth_col

    row = one(store, f"SELECT {', '.join(auth_col(c) for c in AUTH_COLUMNS)} FROM contact WHERE id = :i", i=contact_id)[0]
    return {c: bool(v) for c, v in zip(AUTH_COLUMNS, row) if v is not None}


def criteria(store, contact_id):
    return sorted(f"{c}={e}" for c, e in one(
        store, "SELECT c.code, e.code FROM criterion_assignment a JOIN criterion c ON c.id = a.criterion_id "
               "JOIN criterion_element e ON e.id = a.element_id WHERE a.contact_id = :i", i=contact_id))


def test_insert_individual_stores_every_part(store):
    result = run(store, frame(PERSON))
    assert result.counts() == {"imported": 1, "updated": 0, "unchanged": 0, "not_imported": 0}
    c = contact(store, "100")
    assert (c.kind, c.title, c.firstname, c.lastname, c.pref_lang, c.remark) == ("individual", "MRS", "Zoë", "Müller", "fr", "first")
    assert str(c.birthdate)[:10] == "1980-01-31"
    assert addresses(store, c.id) == {"M": ("1 rue de la Paix", "75002", "Paris", "FR"),
                                      "B": ("1 rue de la Paix", "75002", "Paris", "FR")}
    assert means(store, c.id) == {"EMAIL1": "zoe@example.com", "CELLPHONE": "+33 6 12 34 56 78"}
    assert consents(store, c.id) == {"CNIL_O": True, "EMAIL": False}
    assert criteria(store, c.id) == ["PREFCOL=Green", "PREFCOL=Red", "SEGMENT=ABO"]
    journal = one(store, "SELECT deliverable_id, source_ref, contact_id, action FROM import_row")
    assert journal == [("d1", "t:1", c.id, "insert")]
    assert one(store, "SELECT run_id, deliverable_id FROM import_run") == [("r1", "d1")]


def test_empty_address_type_serves_all_three_uses(store):
    run(store, frame(dict(PERSON, ADDR_TYPE="")))
    assert set(addresses(store, contact(store, "100").id)) == {"M", "S", "B"}


def test_update_keeps_empty_and_clears_equals(store):
    run(store, frame(PERSON))
    update = dict(OPERATION="UPDATE", CONTACT_NR="100", LASTNAME="Dupont", FIRSTNAME="", PREF_LANG="=",
                  ADDR_TYPE="M", TOWN="Lyon", ZIPCODE="=", EMAIL1="=", CELLPHONE="", CNIL_O="=", EMAIL="TRUE",
                  CRIT01="PREFCOL=Blue", CRIT02="", REMARK="||, second")
    result = run(store, frame(update, dataset="u"), run_id="r2", deliverable="d2")
    assert result.counts() == {"imported": 0, "updated": 1, "unchanged": 0, "not_imported": 0}
    c = contact(store, "100")
    assert (c.firstname, c.lastname, c.pref_lang, c.remark) == ("Zoë", "Dupont", None, "first, second")
    assert addresses(store, c.id) == {"M": ("1 rue de la Paix", None, "Lyon", "FR"),
                                      "B": ("1 rue de la Paix", "75002", "Paris", "FR")}
    assert means(store, c.id) == {"CELLPHONE": "+33 6 12 34 56 78"}
    assert consents(store, c.id) == {"EMAIL": True}
    assert criteria(store, c.id) == ["PREFCOL=Blue", "SEGMENT=ABO"]  # PREFCOL replaced, SEGMENT kept
    assert one(store, "SELECT updated_run FROM contact WHERE contact_nr = '100'") == [("r2",)]


def test_clearing_every_field_of_an_address_removes_it(store):
    run(store, frame(dict(PERSON, ADDR_TYPE="M", LINE1="x", ZIPCODE="", TOWN="", COUNTRY="")))
    clear = dict(OPERATION="UPDATE", CONTACT_NR="100", ADDR_TYPE="M", LINE1="=")
    run(store, frame(clear, dataset="u"), run_id="r2", deliverable="d2")
    assert addresses(store, contact(store, "100").id) == {}


def test_an_update_of_some_uses_leaves_the_other_uses_as_they_were(store):
    """One address serving M, S and B (empty ADDR_TYPE): each use still behaves as if it had its own row."""
    run(store, frame(dict(PERSON, ADDR_TYPE="")))
    cid = contact(store, "100").id
    paris = ("1 rue de la Paix", "75002", "Paris", "FR")
    assert store.count("address") == 1 and addresses(store, cid) == {"M": paris, "S": paris, "B": paris}

    def update(n, **cells):
        return run(store, frame(dict(OPERATION="UPDATE", CONTACT_NR="100", **cells), dataset=f"u{n}"), run_id=f"r{n}",
                   deliverable=f"d{n}").counts()

    assert update(2, ADDR_TYPE="B", TOWN="Lyon", ZIPCODE="=")["updated"] == 1       # billing only
    lyon = ("1 rue de la Paix", None, "Lyon", "FR")
    assert addresses(store, cid) == {"M": paris, "S": paris, "B": lyon}
    assert update(3, ADDR_TYPE="B", TOWN="Lyon")["unchanged"] == 1                     # same values: nothing split
    assert update(4, ADDR_TYPE="SB", LINE1="2 quai Est")["updated"] == 1                # S from one address, B from the other
    assert addresses(store, cid) == {"M": paris, "S": ("2 quai Est", "75002", "Paris", "FR"), "B": ("2 quai Est", None, "Lyon", "FR")}
    assert update(5, ADDR_TYPE="", TOWN="Nice")["updated"] == 1                         # every use
    assert {u: a[2] for u, a in addresses(store, cid).items()} == {"M": "Nice", "S": "Nice", "B": "Nice"}
    assert update(6, ADDR_TYPE="S", LINE1="=", ZIPCODE="=", TOWN="=", COUNTRY="=")["updated"] == 1  # S cleared: removed
    assert set(addresses(store, cid)) == {"M", "B"}
    exported = store.export_contacts().loc["dev:100"]
    assert (exported["ADDR_TYPE"], exported["TOWN"], exported["LINE1"]) == ("M", "Nice", "1 rue de la Paix")


def test_an_update_adds_an_address_for_a_use_that_had_none(store):
    run(store, frame(dict(PERSON, ADDR_TYPE="M")))
    cid = contact(store, "100").id
    run(store, frame(dict(OPERATION="UPDATE", CONTACT_NR="100", ADDR_TYPE="MS", TOWN="Lyon", LINE1="="), dataset="u"),
        run_id="r2", deliverable="d2")
    assert addresses(store, cid) == {"M": (None, "75002", "Lyon", "FR"), "S": (None, None, "Lyon", None)}


def test_update_with_the_same_values_is_unchanged(store):
    run(store, frame(PERSON))
    same = dict(OPERATION="UPDATE", CONTACT_NR="100", LASTNAME="Müller", TOWN="Paris", ADDR_TYPE="M", CNIL_O="TRUE",
                CRIT02="SEGMENT=ABO")
    result = run(store, frame(same, dataset="u"), run_id="r2", deliverable="d2")
    assert result.counts() == {"imported": 0, "updated": 0, "unchanged": 1, "not_imported": 0}
    assert one(store, "SELECT action FROM import_row WHERE run_id = 'r2'") == [("unchanged",)]


def test_criteria_clear_with_equals(store):
    run(store, frame(PERSON))
    run(store, frame(dict(OPERATION="UPDATE", CONTACT_NR="100", CRIT05="PREFCOL=="), dataset="u"), run_id="r2", deliverable="d2")
    assert criteria(store, contact(store, "100").id) == ["SEGMENT=ABO"]


def test_config_rows_set_the_code_of_following_rows(store):
    rows = frame(dict(OPERATION="CONFIG", CRIT01="PREFCOL", ADMIN_NUMBER="SIRET"),
                 dict(CONTACT_NR="1", LASTNAME="A", CRIT01="Red|Blue"),
                 dict(CONTACT_NR="2", OFFICIAL_NAME="ACME", ADMIN_NUMBER="404 833 048 00022", CRIT01="SEGMENT=VIP"),
                 dict(OPERATION="CONFIG", CRIT01="SEGMENT"),
                 dict(CONTACT_NR="3", LASTNAME="B", CRIT01="VIP"))
    result = run(store, rows)
    assert result.config_rows == 2
    assert result.counts()["imported"] == 3
    assert criteria(store, contact(store, "1").id) == ["PREFCOL=Blue", "PREFCOL=Red"]
    assert criteria(store, contact(store, "2").id) == ["SEGMENT=VIP"]
    assert criteria(store, contact(store, "3").id) == ["SEGMENT=VIP"]
    assert one(store, "SELECT code, number FROM admin_number") == [("SIRET", "404 833 048 00022")]


def test_structure_and_relay_split_authorizations_and_criteria(store):
    row = dict(CONTACT_NR="500", FIRSTNAME="Jean", LASTNAME="Martin", OFFICIAL_NAME="ACME SA", STRUCT_TYPE="COMPANY",
               ADMIN_NUMBER="SIRET=123", LINE1="2 place du Marché", TOWN="Lyon", COUNTRY="FR", PREF_LANG="fr",
               EMAIL1="info@acme.example", CNIL_O="TRUE", CRIT01="SECTOR=BANK", CRIT02="PREFCOL=Red", CRIT03="SEGMENT=VIP",
               FUNCTION="Directeur")
    result = run(store, frame(row))
    assert result.counts()["imported"] == 1
    relay = contact(store, "500")
    assert relay.kind == "relay" and relay.official_name is None
    s = one(store, "SELECT id, kind, official_name, struct_type, pref_lang, contact_nr FROM contact WHERE id = :i",
            i=relay.structure_id)[0]
    assert (s.kind, s.official_name, s.struct_type, s.pref_lang) == ("structure", "ACME SA", "COMPANY", "fr")
    assert s.contact_nr and s.contact_nr != "500"  # allocated from the automatic range
    for cid in (relay.id, s.id):  # address and means on both
        assert addresses(store, cid)["M"][0] == "2 place du Marché"
        assert means(store, cid) == {"EMAIL1": "info@acme.example"}
    assert consents(store, relay.id) == {"CNIL_O": True} and consents(store, s.id) == {}
    assert criteria(store, relay.id) == ["PREFCOL=Red", "SEGMENT=VIP"]
    assert criteria(store, s.id) == ["SECTOR=BANK"]
    assert one(store, "SELECT contact_id FROM admin_number") == [(s.id,)]


def test_structure_matching_rule_of_section_7(store):
    base = dict(OFFICIAL_NAME="ACME", LINE1="1 Grand-Rue", ZIPCODE="1000", TOWN="Lausanne", COUNTRY="CH")
    rows = frame(dict(base, CONTACT_NR="1", FIRSTNAME="A"), dict(base, CONTACT_NR="2", FIRSTNAME="B"),
                 dict(base, CONTACT_NR="3", FIRSTNAME="C", TOWN="Lausanne "),   # one character differs: another structure
                 dict(base))                                                     # the structure alone: matched
    result = run(store, rows)
    assert result.counts() == {"imported": 3, "updated": 0, "unchanged": 1, "not_imported": 0}
    assert store.count("contact", "kind = 'structure'") == 2
    assert contact(store, "1").structure_id == contact(store, "2").structure_id != contact(store, "3").structure_id
    # a later import finds the structure in the store
    run(store, frame(dict(base, CONTACT_NR="4", FIRSTNAME="D"), dataset="later"), run_id="r2", deliverable="d2")
    assert contact(store, "4").structure_id == contact(store, "1").structure_id
    assert store.count("contact", "kind = 'structure'") == 2


def test_rows_that_cannot_be_applied_are_logged_and_the_rest_land(store):
    run(store, frame(PERSON, dict(CONTACT_NR="300", FIRSTNAME="Rel", OFFICIAL_NAME="ACME")))
    rows = frame(dict(CONTACT_NR="100", LASTNAME="Taken"),
                 dict(OPERATION="UPDATE", CONTACT_NR="999", LASTNAME="Ghost"),
                 dict(CONTACT_NR="7", LASTNAME="Bad criterion", CRIT01="PREFCOL=Purple"),
                 dict(OPERATION="UPDATE", CONTACT_NR="300", OFFICIAL_NAME="Nowhere Ltd"),
                 dict(CONTACT_NR="8", LASTNAME="Fine"),
                 dict(CONTACT_NR="9", FIRSTNAME="", LASTNAME="", OFFICIAL_NAME=""),
                 dataset="bad")
    result = run(store, rows, run_id="r2", deliverable="d2")
    assert result.counts() == {"imported": 1, "updated": 0, "unchanged": 0, "not_imported": 5}
    errors = result.findings[result.findings["severity"] == "error"].set_index("source_ref")["code"].to_dict()
    assert errors == {"bad:1": "IMPORT_CONTACT_NR_TAKEN", "bad:2": "IMPORT_CONTACT_NOT_FOUND",
                      "bad:3": "IMPORT_UNKNOWN_CRITERION_ELEMENT", "bad:4": "IMPORT_STRUCTURE_MISSING",
                      "bad:6": "IMPORT_NO_NAME"}
    assert result.findings.set_index("source_ref").loc["bad:3", "value"] == "PREFCOL=Purple"
    assert contact(store, "8").lastname == "Fine"
    assert contact(store, "100").lastname == "Müller"
    assert store.count("contact", "contact_nr = '7'") == 0


def test_same_number_twice_in_one_file_keeps_the_first(store):
    result = run(store, frame(dict(CONTACT_NR="5", LASTNAME="First"), dict(CONTACT_NR="5", LASTNAME="Second")))
    assert result.counts() == {"imported": 1, "updated": 0, "unchanged": 0, "not_imported": 1}
    assert contact(store, "5").lastname == "First"


def test_insert_then_update_of_the_same_contact_in_one_file(store):
    rows = frame(dict(CONTACT_NR="5", LASTNAME="First"), dict(OPERATION="UPDATE", CONTACT_NR="5", FIRSTNAME="Ann"))
    assert run(store, rows).counts() == {"imported": 1, "updated": 1, "unchanged": 0, "not_imported": 0}
    assert (contact(store, "5").firstname, contact(store, "5").lastname) == ("Ann", "First")


def test_numbers_are_allocated_when_contact_nr_is_empty(store):
    result = run(store, frame(dict(LASTNAME="A"), dict(LASTNAME="B")))
    assert result.counts()["imported"] == 2
    numbers = sorted(r[0] for r in one(store, "SELECT contact_nr FROM contact"))
    assert len(set(numbers)) == 2 and all(n.isdigit() for n in numbers)
    assert store.existing_contact_numbers() == frozenset(numbers)   # what prepare and the gate check against


def test_rerunning_the_same_deliverable_changes_nothing(store):
    rows = frame(PERSON, dict(CONTACT_NR="200", OFFICIAL_NAME="ACME", FIRSTNAME="Jo"), dict(LASTNAME="No number"),
                 dict(OPERATION="UPDATE", CONTACT_NR="100", REMARK="||+"))
    first = run(store, rows)
    assert first.counts() == {"imported": 3, "updated": 1, "unchanged": 0, "not_imported": 0}
    tables = ["contact", "address", "criterion_assignment", "import_row"]
    before = {t: store.count(t) for t in tables}
    granted = store.count("contact", "consent_cnil_o IS NOT NULL OR consent_email IS NOT NULL")
    remark = contact(store, "100").remark
    second = run(store, rows, run_id="r2")
    assert second.counts() == {"imported": 0, "updated": 0, "unchanged": 4, "not_imported": 0}
    assert {t: store.count(t) for t in tables} == before
    assert store.count("contact", "consent_cnil_o IS NOT NULL OR consent_email IS NOT NULL") == granted == 1
    assert contact(store, "100").remark == remark == "first+"  # '||' appended once only
    assert store.count("import_run") == 2


def test_export_contacts_is_a_secutix_frame_of_the_store(store):
    run(store, frame(PERSON, dict(CONTACT_NR="500", FIRSTNAME="Jean", OFFICIAL_NAME="ACME SA", TOWN="Lyon")))
    exported = store.export_contacts()
    from stx_migrate.migration.format import extended_format

    assert list(exported.columns) == extended_format().layout()
    row = exported.loc["dev:100"]
    assert (row["LASTNAME"], row["BIRTHDATE"], row["EMAIL1"], row["ADDR_TYPE"], row["CNIL_O"]) == \
        ("Müller", "31.01.1980", "zoe@example.com", "MB", "TRUE")
    assert sorted([row["CRIT01"], row["CRIT02"]]) == ["PREFCOL=Green|Red", "SEGMENT=ABO"]
    assert exported.loc["dev:500", "OFFICIAL_NAME"] == "ACME SA"  # a relay shows its structure's name
    assert len(exported) == 3 and (exported.dtypes == "str").all()


def test_reference_data_round_trip(store):
    from store_helpers import REFERENCE

    ref = store.reference_data()
    assert ref.structure_types == REFERENCE.structure_types
    assert ref.admin_number_codes == REFERENCE.admin_number_codes
    assert ref.criteria["SECTOR"].contact_type == "structure"
    assert ref.criteria["PREFCOL"].elements == frozenset({"Red", "Green", "Blue"})
    assert ref.titles == REFERENCE.titles
    assert store.existing_contact_numbers() == frozenset()


def test_a_frame_naming_a_row_twice_is_refused_before_any_write(store):
    import pytest

    from stx_migrate.migration.errors import InputError

    rows = frame(dict(CONTACT_NR="1", LASTNAME="A"), dict(CONTACT_NR="2", LASTNAME="B"))
    rows.index = ["t:1", "t:1"]
    with pytest.raises(InputError, match="t:1"):
        run(store, rows)
    assert store.count("contact") == 0


def test_an_automatic_number_skips_the_number_a_row_of_the_same_round_names(store):
    # the automatic range starts at 100000000; one row names that number, the next row needs one
    r = run(store, frame(dict(CONTACT_NR="100000000", LASTNAME="Named"), dict(LASTNAME="Numbered")))
    assert r.counts() == {"imported": 2, "updated": 0, "unchanged": 0, "not_imported": 0}
    assert contact(store, "100000000").lastname == "Named" and contact(store, "100000001").lastname == "Numbered"
