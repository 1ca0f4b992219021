"""Pseudonyms: keyed, consistent, one-to-one, valid-looking; kept columns untouched."""
from __future__ import annotations

import pandas as pd
import phonenumbers
import pytest

from stx_migrate.migration.pseudonyms import Pseudonymiser, pseudonymise_contacts

KEY = b"a-key-of-the-project-0123456789"


def contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "CONTACT_NR": ["1", "2", "3", "4"], "FIRSTNAME": ["Jean-Pierre", "Anne", "Jean-Pierre", ""],
        "LASTNAME": ["DUPONT", "Dupont", "DUPONT", "="], "OFFICIAL_NAME": ["", "", "", "Banque du Lac SA"],
        "LINE1": ["12 rue de la Gare", "", "12 rue de la Gare", "1 place du Marché"], "ZIPCODE": ["1201", "", "1201", "1003"],
        "TOWN": ["Genève", "", "Genève", "Lausanne"], "COUNTRY": ["CH", "FR", "CH", "CH"],
        "EMAIL1": ["jean@dupont.ch", "anne@gmail.com", "jean@dupont.ch", ""],
        "TELEPHONE": ["+41223456789", "+33142345678", "+41223456789", ""], "CELLPHONE": ["+41791234567", "", "", ""],
        "BIRTHDATE": ["05.03.1985", "29.02.1988", "05.03.1985", ""], "CRIT01": ["GENRE=OPERA"] * 4, "EMAIL": ["TRUE"] * 4,
    }, index=pd.Index([f"c:{i}" for i in range(4)], name="source_ref")).astype("str")


def test_same_value_same_pseudonym_other_key_other_pseudonym_kept_columns_untouched():
    original = contacts()
    one, again = pseudonymise_contacts(original, KEY), pseudonymise_contacts(original, KEY)
    other = pseudonymise_contacts(original, b"another-key-of-the-project-42")
    pd.testing.assert_frame_equal(one, again)
    same = ["FIRSTNAME", "LASTNAME", "LINE1", "EMAIL1", "TELEPHONE", "BIRTHDATE"]
    assert one.loc["c:0", same].tolist() == one.loc["c:2", same].tolist()     # the duplicate stays a duplicate
    for column in ("FIRSTNAME", "LASTNAME", "LINE1", "EMAIL1", "TELEPHONE", "BIRTHDATE"):
        assert one.loc["c:0", column] != original.loc["c:0", column] != other.loc["c:0", column]
        assert one.loc["c:0", column] != other.loc["c:0", column]
    for column in ("CONTACT_NR", "ZIPCODE", "TOWN", "COUNTRY", "CRIT01", "EMAIL"):
        assert one[column].tolist() == original[column].tolist()
    assert one.loc["c:3", "FIRSTNAME"] == "" and one.loc["c:3", "LASTNAME"] == "="    # empty and clear kept
    assert one.loc["c:0", "LASTNAME"] != one.loc["c:1", "LASTNAME"]                    # DUPONT and Dupont stay apart


def test_shapes_are_kept_where_the_import_reads_them():
    one = pseudonymise_contacts(contacts(), KEY)
    first = one.loc["c:0", "FIRSTNAME"]
    assert len(first) == len("Jean-Pierre") and first[4] == "-" and first[0].isupper() and first[5].isupper()
    assert one.loc["c:0", "LASTNAME"].isupper() and len(one.loc["c:0", "LASTNAME"]) == 6
    assert one.loc["c:0", "LINE1"][:2].isdigit() and one.loc["c:0", "LINE1"].count(" ") == 4
    assert one["EMAIL1"].iloc[0].endswith("@example.com") and one["EMAIL1"].iloc[1].endswith("@example.com")
    for original, made in (("+41223456789", one.loc["c:0", "TELEPHONE"]), ("+33142345678", one.loc["c:1", "TELEPHONE"]),
                           ("+41791234567", one.loc["c:0", "CELLPHONE"])):
        a, b = phonenumbers.parse(original), phonenumbers.parse(made)
        assert phonenumbers.is_valid_number(b) and b.country_code == a.country_code
        assert phonenumbers.number_type(b) == phonenumbers.number_type(a)
    day, month, year = one.loc["c:1", "BIRTHDATE"].split(".")
    assert year == "1988" and 1 <= int(month) <= 12 and 1 <= int(day) <= 28 + (int(month) != 2) * 3


def test_values_that_hash_alike_are_kept_apart():
    # every one-letter name: 20 letters, 17 consonants to choose from: clashes are certain and must be resolved
    names = pd.DataFrame({"LASTNAME": [chr(c) for c in range(ord("A"), ord("Q"))]}, dtype="str")
    made = pseudonymise_contacts(names, KEY)["LASTNAME"]
    assert made.is_unique and not (made == names["LASTNAME"]).any()


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymiser(b"short")


@pytest.mark.parametrize("settings, message", [
    ({"pseudonymise": True}, "pseudonymise needs pseudonym_key"),
    ({"pseudonymise": True, "pseudonym_key": "my-secret-key-in-clear-text"}, "never the secret itself"),
])
def test_the_key_is_a_reference_never_a_value(settings, message):
    from pydantic import ValidationError

    from stx_migrate.migration.settings.environments import EnvironmentSettings

    with pytest.raises(ValidationError, match=message):
        EnvironmentSettings(kind="sql", url="sqlite:///envs/dev.sqlite", **settings)
    assert EnvironmentSettings(kind="sql", url="sqlite:///x", pseudonymise=True, pseudonym_key="${secret:lac-pseudonyms}")
