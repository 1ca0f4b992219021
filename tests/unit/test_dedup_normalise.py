"""Normalised keys and the French/German phonetic key."""
from __future__ import annotations

import pandas as pd
import pytest

from stx_migrate.migration.dates import birthdate_key
from stx_migrate.migration.dedup.normalise import (
    compact, fold_text, international_phone, normalise_email, normalise_street, phone_digits,
)
from stx_migrate.migration.dedup.phonetic import phonetic_key


def _key(*names: str) -> list[str]:
    return phonetic_key(compact(pd.Series(list(names), dtype="str"))).tolist()


@pytest.mark.parametrize("names", [
    ("Müller", "Mueller", "Muller"), ("Meier", "Maier", "Meyer", "Mayer"), ("Dupont", "Dupond"),
    ("Schmidt", "Schmid", "Schmitt"), ("Lefèvre", "Lefebvre"), ("Philippe", "Filipe"), ("Chevalier", "Schevalier"),
    ("Bernard", "Bernhard"), ("Wagner", "Vagner"), ("Strauss", "Strauß"), ("Rousseau", "Roussau"), ("François", "Francois"),
])
def test_spellings_of_one_name_share_a_key(names):
    assert len(set(_key(*names))) == 1


@pytest.mark.parametrize("a,b", [("Martin", "Bernard"), ("Dupont", "Durand"), ("Keller", "Kessler"), ("Jean", "Paul")])
def test_different_names_keep_different_keys(a, b):
    first, second = _key(a, b)
    assert first != second


def test_text_email_phone_street_and_date_normalisation():
    assert fold_text(pd.Series(["  Éloïse-Marie  d'Aubigné ", "Straße"], dtype="str")).tolist() == ["ELOISE MARIE D AUBIGNE", "STRASSE"]
    assert normalise_email(pd.Series([" Jean.Dupont@Example.FR ", "no-at.example.fr", "a b@c.fr"], dtype="str")).tolist() == [
        "jean.dupont@example.fr", "", ""]
    digits = phone_digits(pd.Series(["+33 6 12 34 56 78", "0033 (0)6 12 34 56 78", "06.12.34.56.78", "12"], dtype="str"))
    calling = pd.Series(["33", "33", "33", "33"], dtype="str")
    assert international_phone(digits, calling).tolist() == ["33612345678", "33612345678", "33612345678", ""]
    assert len(set(normalise_street(pd.Series(["12, r. Victor-Hugo", "12 rue Victor Hugo", "12 RUE VICTOR-HUGO"], dtype="str")))) == 1
    assert len(set(normalise_street(pd.Series(["Hauptstrasse 4", "Hauptstr. 4", "Hauptstraße 4"], dtype="str")))) == 1
    assert birthdate_key(pd.Series(["1.2.1960", "01/02/1960", "31-12-2001", "2001-12-31", ""], dtype="str")).tolist() == [
        "19600201", "19600201", "20011231", "", ""]
