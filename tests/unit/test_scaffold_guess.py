"""init's guesses: a SecuTix column per source column from headers (fr/de/en) and values."""
from __future__ import annotations

import pytest

from stx_migrate.migration.scaffold.guess import date_formats, guess_columns


def _targets(samples):
    return {g.column: g.target for g in guess_columns(samples)}


@pytest.mark.parametrize("headers", [
    # French, German, English spellings of the same nine columns
    ["Civilité", "Prénom", "Nom", "Date de naissance", "Courriel", "Tél. portable", "Code postal", "Ville", "Pays"],
    ["Anrede", "Vorname", "Nachname", "Geburtsdatum", "E-Mail", "Handy", "PLZ", "Ort", "Land"],
    ["Title", "First name", "Last name", "Date of birth", "Email address", "Mobile phone", "Postcode", "City", "Country"],
])
def test_headers_in_three_languages(headers):
    values = [["M."], ["Jean"], ["Dupont"], ["12.03.1980"], ["jean@example.org"], ["+41 79 123 45 67"], ["1200"],
              ["Genève"], ["CH"]]
    targets = _targets(dict(zip(headers, values)))
    assert list(targets.values()) == ["TITLE", "FIRSTNAME", "LASTNAME", "BIRTHDATE", "EMAIL1", "CELLPHONE", "ZIPCODE",
                                      "TOWN", "COUNTRY"]


def test_values_alone_give_emails_phones_and_countries_but_not_a_birth_date():
    targets = _targets({"c1": ["a@b.ch", "x.y@z.fr"], "c2": ["021 613 21 11", "+33 1 40 15 80 00"],
                        "c3": ["Suisse", "Deutschland", "France"], "c4": ["2019-01-02", "2020-03-04"], "c5": ["abc", "def"]})
    assert targets == {"c1": "EMAIL1", "c2": "TELEPHONE", "c3": "COUNTRY", "c4": None, "c5": None}


def test_a_header_contradicted_by_its_values_stays_a_comment():
    (guess,) = guess_columns({"email": ["12.03.1980", "01.01.1970"]})
    assert guess.target is None and "look like dates" in guess.reason


def test_second_email_and_address_columns_take_the_next_secutix_column_and_other_repeats_none():
    targets = _targets({"Mail": ["a@b.ch"], "Mail pro": ["c@d.ch"], "Adresse": ["Rue 1"], "Rue": ["Rue 2"],
                        "Nom": ["A"], "Name": ["B"]})
    assert targets == {"Mail": "EMAIL1", "Mail pro": "EMAIL2", "Adresse": "LINE1", "Rue": "LINE2", "Nom": "LASTNAME",
                       "Name": None}


def test_steps_follow_the_target():
    guesses = {g.target: g.steps for g in guess_columns({
        "Pays": ["FR"], "Tel": ["01 40 15 80 00"], "Civilite": ["Mme", "Monsieur", "Dr"], "Naissance": ["3/4/1990"],
        "NUM_CLIENT": ["17"]})}
    assert guesses["TELEPHONE"] == [{"phone": {"region_from": "COUNTRY"}}]
    assert guesses["TITLE"] == [{"map_values": {"values": {"Mme": "MRS", "Monsieur": "MR"}, "ignore_case": True}}]
    assert guesses["BIRTHDATE"] == [{"parse_date": {"formats": ["%d/%m/%Y"]}}]
    assert guesses["@contact_number"] == []


def test_date_formats_need_most_values_to_be_dates():
    assert date_formats(["01.02.2000", "2000-02-01", "03.04.2001"]) == ["%d.%m.%Y", "%Y-%m-%d"]
    assert date_formats(["01.02.2000", "n/a", "unknown"]) == []
