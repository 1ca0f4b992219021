"""Parent and child of one name against a copy with a mistyped birth date; households the data call for."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dedup_cases import frame, person
from stx_migrate.migration.dedup import find_duplicates
from stx_migrate.migration.dedup.households import generation_apart
from stx_migrate.migration.settings.dedup import DedupSettings


@pytest.mark.parametrize("typo", ["15.03.1962", "03.04.1962", "41.03.1962", "14.03.1965"],
                         ids=["one-digit-day", "day-month-swapped", "day-digits-swapped", "one-digit-year"])
def test_a_copy_whose_birth_date_has_a_typo_is_merged(typo):
    original = person(CONTACT_NR="", BIRTHDATE="04.03.1962" if typo == "03.04.1962" else "14.03.1962", _ref="c:1")
    copy = person(CONTACT_NR="", BIRTHDATE=typo, _ref="c:2")
    result = find_duplicates(frame([original, copy]), DedupSettings())
    assert result.duplicates["source_ref"].tolist() == ["c:2"] and result.duplicates["survivor_ref"].tolist() == ["c:1"]


def test_a_parent_and_child_of_the_same_name_and_address_stay_apart():
    # same names, address, e-mail-less, the landline shared: only the birth dates (31 years) tell them apart
    father = person(CONTACT_NR="", BIRTHDATE="02.11.1951", EMAIL1="", CELLPHONE="", TELEPHONE="+33 4 78 00 00 01", _ref="c:1")
    son = person(CONTACT_NR="", BIRTHDATE="23.06.1982", EMAIL1="", CELLPHONE="", TELEPHONE="+33 4 78 00 00 01", _ref="c:2")
    result = find_duplicates(frame([father, son]), DedupSettings())
    assert result.duplicates.empty and result.review_pairs.empty
    assert "generation" in result.rules
    # a copy without birth date, as like the father as the son: merged with neither, a person decides
    copy = person(CONTACT_NR="", BIRTHDATE="", EMAIL1="", CELLPHONE="", TELEPHONE="+33 4 78 00 00 01", _ref="c:3")
    chained = find_duplicates(frame([father, son, copy]), DedupSettings())
    assert chained.identities.nunique() == 3 and chained.duplicates.empty
    assert {frozenset(p) for p in chained.review_pairs[["left_ref", "right_ref"]].values.tolist()} == {
        frozenset({"c:1", "c:3"}), frozenset({"c:2", "c:3"})}
    # with the son's e-mail on it, it is the son's copy
    son_mail = {"EMAIL1": "jean.dupont.fils@example.fr"}
    mailed = find_duplicates(frame([father, {**son, **son_mail}, {**copy, **son_mail}]), DedupSettings())
    assert mailed.duplicates[["source_ref", "survivor_ref"]].values.tolist() in ([["c:3", "c:2"]], [["c:2", "c:3"]])


def test_a_one_digit_change_that_moves_the_year_a_generation_is_not_a_typo():
    assert generation_apart(np.array([19850314]), np.array([19550314]))[0]          # one digit, 30 years
    assert generation_apart(np.array([19850314]), np.array([19580314]))[0]          # two digits swapped, 27 years
    assert not generation_apart(np.array([19850314]), np.array([19840314]))[0]      # one digit, one year
    assert not generation_apart(np.array([19850314]), np.array([0]))[0]             # one date unknown


def _people(n: int, rng) -> list[dict]:
    """``n`` persons with unrelated names and streets (random letters), no e-mail or phone."""
    word = lambda k: "".join(rng.choice(list("bcdfglmnprstvz"), k) + rng.choice(list("aeiou"), k)).capitalize()  # noqa: E731
    return [person(CONTACT_NR="", FIRSTNAME=word(3), LASTNAME=word(4), EMAIL1="", CELLPHONE="",
                   BIRTHDATE=f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{rng.integers(1930, 2000)}",
                   LINE1=f"{i + 1} rue {word(4)}", ZIPCODE=f"{69001 + i % 9}", _ref=f"c:{i}") for i in range(n)]


def test_data_with_wrong_birth_dates_and_no_juniors_do_not_get_the_junior_rule():
    """A registry: copies whose birth date was replaced by any date. Those a generation apart are
    as frequent as the spread of years predicts from those that are not: copies, merged."""
    rng = np.random.default_rng(3)
    people = _people(120, rng)
    copies = [{**p, "BIRTHDATE": f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{rng.integers(1930, 2000)}",
               "_ref": p["_ref"] + "-copy"} for p in people]
    contacts = frame(people + copies)
    result = find_duplicates(contacts, DedupSettings())
    assert "generation" not in result.rules
    assert result.auto_merged >= 0.9 * len(people)


def test_data_with_juniors_keep_the_junior_rule():
    """Ticketing contacts: a copy with a mistyped date beside parents and children of one name."""
    rng = np.random.default_rng(4)
    people = _people(120, rng)
    rows = list(people)
    for i, p in enumerate(people):
        d, m, y = p["BIRTHDATE"].split(".")
        if i % 2:       # a child of the same name, 25-35 years younger
            rows.append({**p, "BIRTHDATE": f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{int(y) + int(rng.integers(25, 36))}",
                         "_ref": p["_ref"] + "-child"})
        else:           # a copy, one digit of the day changed
            rows.append({**p, "BIRTHDATE": f"{d[0]}{(int(d[1]) + 1) % 10}.{m}.{y}", "_ref": p["_ref"] + "-copy"})
    result = find_duplicates(frame(rows), DedupSettings())
    assert "generation" in result.rules
    merged = set(result.duplicates["source_ref"]) | set(result.duplicates["survivor_ref"])
    assert not any(ref.endswith("-child") for ref in merged)
    assert sum(ref.endswith("-copy") for ref in merged) >= 55
    assert pd.Series(result.identities).nunique() == len(people) + len(people) // 2
