"""find_duplicates: each planted kind of duplicate is found, each trap is kept apart."""
from __future__ import annotations

import pytest

from dedup_cases import frame, person
from stx_migrate.migration.dedup import find_duplicates
from stx_migrate.migration.settings.dedup import DedupSettings

SETTINGS = DedupSettings()

# (kind, the copy's changes, must it be merged without review?)
PLANTED = [
    ("case", dict(FIRSTNAME="JEAN", LASTNAME="DUPONT"), True),
    ("accents", dict(FIRSTNAME="Jéan", LASTNAME="Dùpont", LINE1="12 rue Victor-Hügo"), True),
    ("swapped_letter", dict(LASTNAME="Duopnt", EMAIL1=""), True),
    ("email_in_capitals", dict(EMAIL1="JEAN.DUPONT@EXAMPLE.FR", CELLPHONE="", BIRTHDATE=""), True),
    ("phone_written_another_way", dict(CELLPHONE="06.12.34.56.78", EMAIL1="", BIRTHDATE=""), True),
    ("rue_vs_r", dict(LINE1="12, r. Victor Hugo", EMAIL1="", CELLPHONE=""), True),
    ("moved", dict(LINE1="3 avenue des Alpes", ZIPCODE="1003", TOWN="Lausanne", COUNTRY="CH"), True),
    ("changed_email", dict(EMAIL1="jdupont@other.example"), True),
    ("first_last_swapped", dict(FIRSTNAME="Dupont", LASTNAME="Jean"), True),
    ("missing_birth_date", dict(BIRTHDATE=""), True),
    ("short_first_name", dict(FIRSTNAME="J.", EMAIL1=""), False),
    ("moved_and_no_birth_date", dict(LINE1="3 avenue des Alpes", ZIPCODE="1003", TOWN="Lausanne", COUNTRY="CH",
                                     BIRTHDATE="", CELLPHONE=""), False),
]


@pytest.mark.parametrize("kind,changes,auto", PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_duplicate_kind_is_found(kind, changes, auto):
    contacts = frame([person(), person(**changes)])
    result = find_duplicates(contacts, SETTINGS)
    merged = list(result.duplicates["source_ref"]) == ["clients:2"] and list(result.duplicates["survivor_ref"]) == ["clients:1"]
    reviewed = len(result.review_pairs) == 1
    assert merged or (not auto and reviewed), (kind, result.duplicates, result.review_pairs)
    if auto:
        assert merged


def test_married_name_abbreviated_and_nickname_first_names_are_found():
    contacts = frame([
        person(TITLE="MRS", FIRSTNAME="Sophie", LASTNAME="Martin", EMAIL1="s.martin@example.ch", CELLPHONE="+41 79 555 12 12"),
        person(TITLE="MRS", FIRSTNAME="Sophie", LASTNAME="Keller", EMAIL1="", CELLPHONE="079 555 12 12", COUNTRY="CH"),
        person(FIRSTNAME="Jean-Pierre", LASTNAME="Rochat", EMAIL1="jp.rochat@example.ch", CELLPHONE=""),
        person(FIRSTNAME="J.-P.", LASTNAME="Rochat", EMAIL1="jp.rochat@example.ch", CELLPHONE=""),
        person(FIRSTNAME="Josef", LASTNAME="Zürcher", EMAIL1="", CELLPHONE="+41 79 444 00 00", COUNTRY="CH"),
        person(FIRSTNAME="Sepp", LASTNAME="Zuercher", EMAIL1="", CELLPHONE="+41794440000", COUNTRY="CH"),
    ])
    result = find_duplicates(contacts, SETTINGS, country="CH")
    pairs = set(zip(result.duplicates["source_ref"], result.duplicates["survivor_ref"]))
    assert ("clients:2", "clients:1") in pairs            # married name: same first name, birth date, mobile
    assert ("clients:4", "clients:3") in pairs            # J.-P. = Jean-Pierre with the same e-mail
    assert ("clients:6", "clients:5") in pairs            # Sepp = Josef, Zuercher = Zürcher


def test_spouses_sharing_address_phone_and_email_are_kept_apart():
    husband = person()
    wife = person(TITLE="MRS", FIRSTNAME="Jeanne", BIRTHDATE="02.07.1964")   # same e-mail, mobile, address
    wife_no_birth = person(TITLE="MRS", FIRSTNAME="Marie", BIRTHDATE="", _ref="clients:3")
    result = find_duplicates(frame([husband, wife, wife_no_birth]), SETTINGS)
    assert result.duplicates.empty and result.review_pairs.empty
    assert len(result.survivors) == 3


def test_parent_and_child_of_the_same_name_are_kept_apart_even_through_a_copy_without_birth_date():
    father = person(BIRTHDATE="14.03.1936", EMAIL1="", CELLPHONE="", TELEPHONE="04 78 00 11 22")
    son = person(BIRTHDATE="14.03.1962", TELEPHONE="04 78 00 11 22")
    son_copy = person(BIRTHDATE="", TELEPHONE="04 78 00 11 22")     # matches both: must join only one
    result = find_duplicates(frame([father, son, son_copy]), SETTINGS)
    identities = result.identities
    assert identities["clients:1"] != identities["clients:2"]
    assert identities["clients:3"] == identities["clients:2"]          # the copy carries the son's e-mail
    assert result.conflicts == 1


def test_namesakes_in_the_same_town_are_kept_apart():
    one = person(EMAIL1="jean.dupont1@example.fr", CELLPHONE="+33 6 11 11 11 11")
    other = person(LINE1="40 boulevard Pasteur", BIRTHDATE="", EMAIL1="jdupont@example.com", CELLPHONE="+33 6 22 22 22 22")
    result = find_duplicates(frame([one, other]), SETTINGS)
    assert result.duplicates.empty and result.review_pairs.empty


def test_a_person_never_merges_with_a_structure():
    individual = person()
    company = dict(person(FIRSTNAME="", LASTNAME="", TITLE=""), OFFICIAL_NAME="Jean Dupont")  # same address, e-mail, phone
    result = find_duplicates(frame([individual, company]), SETTINGS)
    assert result.duplicates.empty and result.review_pairs.empty


def test_structures_with_the_same_ten_fields_merge_but_two_relays_stay():
    company = dict(INSTITUTION="DEMO", ORGANIZATION="DEMO", OFFICIAL_NAME="Théâtre du Lac", LINE1="1 quai du Lac",
                   ZIPCODE="1204", TOWN="Genève", COUNTRY="CH")
    same = dict(company, OFFICIAL_NAME="THEATRE DU LAC ", TOWN="GENEVE")
    relay_a = dict(company, FIRSTNAME="Anne", LASTNAME="Favre", TITLE="MRS")
    relay_b = dict(company, FIRSTNAME="Urs", LASTNAME="Gerber", TITLE="MR")
    result = find_duplicates(frame([company, same, relay_a, relay_b]), SETTINGS)
    assert list(result.duplicates[["source_ref", "survivor_ref", "rule"]].itertuples(index=False, name=None)) == [
        ("clients:2", "clients:1", "structure")]
    assert set(result.survivors.index) == {"clients:1", "clients:3", "clients:4"}


def test_same_contact_number_is_one_contact():
    result = find_duplicates(frame([person(CONTACT_NR="1001"), person(CONTACT_NR="1001", FIRSTNAME="Paul", EMAIL1="")]), SETTINGS)
    assert list(result.duplicates["rule"]) == ["contact_nr"]
    assert list(result.duplicates["survivor_contact_nr"]) == ["1001"]


def test_rows_matching_the_target_environment_point_to_its_contact():
    existing = frame([person(CONTACT_NR="5000042", OPERATION="UPDATE")])
    existing.index = existing.index.map(lambda _: "dev:5000042")
    contacts = frame([person(FIRSTNAME="JEAN"), person(FIRSTNAME="Paul", EMAIL1="paul@example.org", CELLPHONE="")])
    result = find_duplicates(contacts, SETTINGS, existing=existing)
    assert list(result.duplicates[["source_ref", "survivor_ref", "survivor_contact_nr"]].itertuples(index=False, name=None)) == [
        ("clients:1", "dev:5000042", "5000042")]
    assert list(result.survivors.index) == ["clients:2"]
    assert find_duplicates(contacts, DedupSettings(match_existing=False), existing=existing).duplicates.empty
    # numbers: only an equal number is the contact_nr rule; other rows are not pulled in by it
    numbered = frame([person(CONTACT_NR="7", FIRSTNAME="Paul", LASTNAME="Favre", EMAIL1="", CELLPHONE="", BIRTHDATE=""),
                      person(CONTACT_NR="5000042", FIRSTNAME="Anne", LASTNAME="Keller", TITLE="MRS", EMAIL1="", CELLPHONE="")])
    result = find_duplicates(numbered, SETTINGS, existing=existing)
    assert result.duplicates[["source_ref", "survivor_ref", "rule"]].values.tolist() == [["clients:2", "dev:5000042", "contact_nr"]]


def test_every_row_ends_in_exactly_one_place():
    contacts = frame([person(), person(FIRSTNAME="JEAN"), person(FIRSTNAME="Paul", EMAIL1=""), person(LASTNAME="Duopnt")])
    result = find_duplicates(contacts, SETTINGS)
    kept, merged = set(result.survivors.index), set(result.duplicates["source_ref"])
    assert kept.isdisjoint(merged) and kept | merged == set(contacts.index)
    assert list(result.survivors.columns) == list(contacts.columns)
    assert all(str(t) == "str" for t in result.survivors.dtypes)
    s = result.summary()
    assert s["rows_in"] == s["valid"] + s["merged"] == 4 and s["clusters"] == len(kept)


def test_rules_can_be_switched_off():
    contacts = frame([person(), person(LASTNAME="Duopnt", EMAIL1="", CELLPHONE="")])
    assert len(find_duplicates(contacts, SETTINGS).duplicates) == 1
    only_exact = DedupSettings(rules=["contact_nr", "structure", "email", "phone"])
    assert find_duplicates(contacts, only_exact).duplicates.empty
    assert find_duplicates(contacts, DedupSettings(enabled=False)).survivors.shape == contacts.shape


def test_hostile_frames_are_refused_or_read_safely():
    from stx_migrate.migration.errors import InputError

    twice = frame([person(_ref="clients:7"), person(_ref="clients:7", FIRSTNAME="Paul")])
    with pytest.raises(InputError, match="row clients:7, column source_ref"):
        find_duplicates(twice, SETTINGS)
    holes = frame([person(), person(FIRSTNAME="JEAN")]).astype(object)
    holes.iloc[1, holes.columns.get_loc("BIRTHDATE")] = None            # a missing value, not ""
    holes = holes.drop(columns=["CRIT50"])                               # a column short
    result = find_duplicates(holes, SETTINGS)
    assert list(result.duplicates["source_ref"]) == ["clients:2"]
    assert find_duplicates(frame([]), SETTINGS).survivors.empty
