"""The learned matcher: blocking reaches typo-separated copies, EM learns the weights, the review
workbook says why, households are protected unless the data are a registry."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dedup_cases import frame, labelled_module, person
from stx_migrate.migration.dedup import find_duplicates, write_review_workbook
from stx_migrate.migration.dedup.blocking import candidate_pairs
from stx_migrate.migration.dedup.compare import score_pairs
from stx_migrate.migration.dedup.evidence import review_order
from stx_migrate.migration.dedup.records import build_records
from stx_migrate.migration.settings.dedup import DedupSettings


@pytest.fixture(scope="module")
def labelled():
    return labelled_module().labelled_contacts(2000, seed=5)


def _with_copies(contacts: pd.DataFrame, copies: list[dict]) -> pd.DataFrame:
    extra = pd.DataFrame([{**contacts.iloc[0].to_dict(), **c} for c in copies], dtype="str")
    extra.index = pd.Index([f"copy:{i}" for i in range(len(copies))], name="source_ref")
    return pd.concat([contacts, extra])


def _compared(contacts: pd.DataFrame, a: str, b: str) -> bool:
    rec = build_records(contacts, None, "FR")
    pairs = candidate_pairs(rec, list(DedupSettings().rules), 12)
    pos = {ref: i for i, ref in enumerate(rec.refs)}
    x, y = sorted((pos[a], pos[b]))
    return bool(((pairs.left == x) & (pairs.right == y)).any())


@pytest.mark.parametrize("change", [
    {"BIRTHDATE": "swap", "LASTNAME": "typo", "ZIPCODE": "99999", "EMAIL1": "", "CELLPHONE": "", "TELEPHONE": ""},
    {"BIRTHDATE": "digit", "FIRSTNAME": "typo", "LINE1": "elsewhere 1", "EMAIL1": "", "CELLPHONE": "", "TELEPHONE": ""},
], ids=["day-month-swapped", "one-digit"])
def test_blocking_reaches_a_copy_with_a_date_typo_and_a_name_typo(labelled, change):
    contacts, _ = labelled
    original = contacts[(contacts["OFFICIAL_NAME"] == "") & (contacts["BIRTHDATE"].str.len() == 10)].iloc[[0]]
    row = original.iloc[0]
    d, m, y = row["BIRTHDATE"].split(".")
    copy = dict(change)
    copy["BIRTHDATE"] = f"{m}.{d}.{y}" if change["BIRTHDATE"] == "swap" else f"{d}.{m}.{y[:3]}{(int(y[3]) + 1) % 10}"
    for name in ("FIRSTNAME", "LASTNAME"):
        if copy.get(name) == "typo":
            copy[name] = row[name][:2] + "x" + row[name][3:]
    data = _with_copies(pd.concat([original, contacts.drop(original.index)]), [copy])
    assert _compared(data, original.index[0], "copy:0")


def test_weights_are_learned_from_the_data(labelled):
    contacts, _ = labelled
    rec = build_records(contacts, None, "FR")
    scored = score_pairs(rec, candidate_pairs(rec, list(DedupSettings().rules), 12))
    table = {(r["field"], r["level"]): r for r in scored.model.table()}
    assert table[("birth_date", "exact")]["bits"] > 3 > table[("birth_date", "different")]["bits"]
    assert table[("email", "shared")]["bits"] > 3 and table[("first_name", "different")]["bits"] < -2
    assert 0 < scored.model.match_share < 0.5 and scored.model.iterations >= 2
    # learned, not fixed: other data give other weights
    half = build_records(contacts.assign(EMAIL1=""), None, "FR")
    other = score_pairs(half, candidate_pairs(half, list(DedupSettings().rules), 12)).model
    assert other.table() != scored.model.table()


def test_household_rules_keep_a_generation_apart_unless_switched_off():
    father = person(CONTACT_NR="", BIRTHDATE="14.03.1952", _ref="c:1")
    son = person(CONTACT_NR="", BIRTHDATE="14.03.1982", EMAIL1="jean.dupont2@example.fr", _ref="c:2")
    contacts = frame([father, son])
    assert find_duplicates(contacts, DedupSettings()).duplicates.empty
    registry = find_duplicates(contacts, DedupSettings(household_rules=False))
    assert len(registry.duplicates) == 1


def test_review_workbook_says_why_and_keeps_groups_together(tmp_path):
    contacts = frame([
        person(CONTACT_NR="1001", _ref="c:1001"),
        person(CONTACT_NR="1002", LASTNAME="Dupond", LINE1="3 avenue des Alpes", ZIPCODE="1003", TOWN="Lausanne",
               COUNTRY="CH", BIRTHDATE="", CELLPHONE="", _ref="c:1002"),
    ])
    # a stricter band than the defaults' (the moved copy shares the e-mail: 0.90, merged at 0.7)
    result = find_duplicates(contacts, DedupSettings(auto_merge=0.95, review=0.8))
    assert len(result.review_pairs) == 1
    path = write_review_workbook(result, contacts, tmp_path / "review.xlsx")
    sheet = openpyxl.load_workbook(path)["review"]
    row = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]]))
    assert row["first name"].startswith("exact +") and row["last name"].startswith("similar")
    assert row["birth date"] == "missing" and row["address"].startswith("different -")
    assert row["email"].startswith("shared +") and row["group"] == 1 and row["records joined"] == 2


def test_review_order_groups_pairs_of_one_cluster_by_impact():
    # pairs (cluster labels): 0-1 and 1-2 touch one group of 3 clusters; 5-6 a group of 2 larger clusters
    left, right = np.array([0, 5, 1]), np.array([1, 6, 2])
    score = np.array([0.9, 0.85, 0.8])
    size = np.array([1, 1, 1, 0, 0, 3, 4])
    order, group, impact = review_order(left, right, score, size)
    assert list(order) == [1, 0, 2]                      # the 7-record group first, then 0-1 and 1-2 together
    assert list(group[order]) == [1, 2, 2] and list(impact[order]) == [7, 3, 3]
