"""The gate's preconditions counted on a small frame: CONFIG rows, taken, repeated and out-of-range numbers.

The counts are what gate.json shows; they are computed by Arrow over whole columns, so
every kind of cell is here: CONFIG rows, updates, blank numbers, padded digits, text.
"""
from __future__ import annotations

import pandas as pd

from stx_migrate.migration.gate import _criteria_used, _preconditions
from stx_migrate.migration.reference import Criterion, ReferenceData
from stx_migrate.migration.settings.prepare import ContactNumberPolicy, NumberRange


def frame(rows: list[dict]) -> pd.DataFrame:
    columns = ["OPERATION", "CONTACT_NR", "STRUCT_TYPE", "CRIT01", "CRIT02", "LASTNAME"]
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], dtype="str")


CONTACTS = frame([
    {"OPERATION": "CONFIG", "STRUCT_TYPE": "CLUB", "CRIT01": "NEWCRIT=A"},     # created by the file itself
    {"OPERATION": "INSERT", "CONTACT_NR": "100001", "STRUCT_TYPE": "CLUB", "CRIT01": "GENRE=OPERA|JAZZ"},
    {"OPERATION": "", "CONTACT_NR": " 100002 ", "CRIT02": "NEWCRIT=A"},
    {"OPERATION": "INSERT", "CONTACT_NR": "100001"},                            # repeated
    {"OPERATION": "INSERT", "CONTACT_NR": "abc", "STRUCT_TYPE": "SHOP"},        # no number: outside
    {"OPERATION": "INSERT", "CONTACT_NR": "999999"},                            # outside, and taken
    {"OPERATION": "UPDATE", "CONTACT_NR": "5"},                                 # an update: neither taken nor outside
    {"OPERATION": "INSERT", "CONTACT_NR": "", "CRIT01": "GENRE=ROCK"},
])


def by_name(checks) -> dict[str, tuple[bool, str, str]]:
    return {c.name: (c.passed, c.value, c.detail) for c in checks}


def test_counts_of_every_precondition():
    reference = ReferenceData(structure_types=frozenset({"COMPANY"}),
                              criteria={"GENRE": Criterion(elements=frozenset({"OPERA", "JAZZ"}))})
    policy = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=100000, last=100100))
    got = by_name(_preconditions(CONTACTS, reference, policy, ["999999", "5", "42"]))
    assert got["structure types exist"] == (False, "2", "unknown in the target: SHOP")   # CLUB is created by CONFIG
    assert got["criteria exist"] == (True, "2", "all known")                              # NEWCRIT too
    assert got["criterion elements exist"][:2] == (False, "4")
    assert got["criterion elements exist"][2] == "unknown in the target: GENRE=ROCK"
    assert got["contact numbers free"][:2] == (False, "1")        # 999999; 5 is an update
    assert got["contact numbers unique"][:2] == (False, "1")      # 100001 twice
    assert got["contact numbers in reserved range"][:2] == (False, "2")   # abc and 999999; " 100002 " is inside


def test_a_clean_file_passes_and_no_catalogue_is_refused_only_when_used():
    clean = CONTACTS.iloc[[1, 2]]
    policy = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=100000, last=100100))
    reference = ReferenceData(structure_types=frozenset({"CLUB"}),
                              criteria={"GENRE": Criterion(elements=None), "NEWCRIT": Criterion(elements=None)})
    assert all(c.passed for c in _preconditions(clean, reference, policy, []))
    assert not by_name(_preconditions(clean, None, policy, []))["reference data"][0]
    no_criteria = clean.assign(CRIT01="", CRIT02="", STRUCT_TYPE="")
    assert by_name(_preconditions(no_criteria, None, policy, []))["reference data"][0]


def test_criteria_used_splits_codes_and_elements_once():
    pairs = _criteria_used(CONTACTS)
    assert sorted(map(tuple, pairs[["code", "element"]].to_numpy())) == [
        ("GENRE", "JAZZ"), ("GENRE", "OPERA"), ("GENRE", "ROCK"), ("NEWCRIT", "A")]
    assert _criteria_used(CONTACTS[["OPERATION", "LASTNAME"]]).empty
