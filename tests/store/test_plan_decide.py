"""The decide half of planning (store/decide.py: derive_keys, decide_rows, resolve_round_structures), without a database.

The engine's version works on whole columns (numpy masks, Arrow lookups, each distinct
criteria cell parsed once). Here a plain per-row reference, written the way the spec reads,
decides random rounds that hit every case (unknown operations and codes, UPDATE of stored,
missing and anonymized contacts, §7 matches and conflicts, structures new in the round,
criteria for the wrong kind, clears, bare values, …), and a few rounds are checked by hand.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from store_helpers import frame

from stx_migrate.migration.findings import FINDING_COLUMNS, empty_findings
from stx_migrate.migration.store.codes import message_of, severity_of
from stx_migrate.migration.store.columns import AUTH_COLUMNS, CODEVALUE_COLUMNS, PERSON_FIELDS, STRUCTURE_FIELDS
from stx_migrate.migration.store.decide import Lookups, decide_rows, derive_keys, resolve_round_structures
from stx_migrate.migration.store.catalogue import MATCH_FIELDS, MATCH_SEPARATOR, Catalogue

CRITERIA = {"PREFCOL": (1, "individual"), "SECTOR": (2, "structure"), "SEGMENT": (3, "both")}
ELEMENTS = {("PREFCOL", "Red"): 11, ("PREFCOL", "Blue"): 12, ("SECTOR", "BANK"): 21, ("SEGMENT", "ABO"): 31,
            ("SEGMENT", "VIP"): 32}


def catalogue(empty: bool = False) -> Catalogue:
    if empty:
        return Catalogue(institutions={"DEMO": 1})
    criteria = pd.DataFrame({"criterion_code": list(CRITERIA), "criterion_id": [v[0] for v in CRITERIA.values()],
                             "contact_type": [v[1] for v in CRITERIA.values()]}).astype({"criterion_code": "str", "contact_type": "str"})
    elements = pd.DataFrame({"criterion_code": [k[0] for k in ELEMENTS], "element_code": [k[1] for k in ELEMENTS],
                             "element_id": list(ELEMENTS.values()),
                             "criterion_id": [CRITERIA[k[0]][0] for k in ELEMENTS]}).astype(
        {"criterion_code": "str", "element_code": "str"})
    return Catalogue(institutions={"DEMO": 1, "OTHER": 2}, structure_types={"COMPANY", "SCHOOL"}, community_types={"CE"},
                     admin_number_types={"SIRET", "VAT"}, criteria=criteria, elements=elements)


def key_of(row: dict) -> str:
    return MATCH_SEPARATOR.join(row.get(f, "") for f in MATCH_FIELDS)


# stored contacts (contact_nr → id, kind, status) and structures (match key → id, contact_nr)
STORED = {"1": (101, "individual", "active"), "2": (102, "structure", "active"), "3": (103, "relay", "active"),
          "4": (104, "individual", "anonymized"), "5": (105, "structure", "active")}
STORED_STRUCTURES = {key_of(dict(OFFICIAL_NAME="ACME", TOWN="Lyon")): (201, "5"),
                     key_of(dict(OFFICIAL_NAME="Beta")): (202, "9")}


def lookups() -> Lookups:
    contacts = pd.DataFrame({"contact_nr": pd.Series(list(STORED), dtype="str"), "id": [v[0] for v in STORED.values()],
                             "kind": pd.Series([v[1] for v in STORED.values()], dtype="str"),
                             "status": pd.Series([v[2] for v in STORED.values()], dtype="str"),
                             "structure_id": np.nan}).set_index("contact_nr")
    structures = pd.DataFrame({"match_key": pd.Series(list(STORED_STRUCTURES), dtype="str"),
                               "id": [v[0] for v in STORED_STRUCTURES.values()],
                               "contact_nr": pd.Series([v[1] for v in STORED_STRUCTURES.values()], dtype="str")})
    return Lookups(contacts=contacts, structures=structures.set_index("match_key"))


CHOICES = {
    "OPERATION": ["", "", "", "", "INSERT", "insert", "UPDATE", "update", "DELETE"],
    "INSTITUTION": ["DEMO"] * 12 + ["OTHER", "NOPE"],
    "CONTACT_NR": ["", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
    "FIRSTNAME": ["", "", "Ann", "="], "LASTNAME": ["", "Bo", "Bo", "="],
    "OFFICIAL_NAME": ["", "", "", "ACME", "Beta", "="], "TOWN": ["", "Lyon"],
    "STRUCT_TYPE": ["", "", "COMPANY", "WEIRD", "="], "COMMUNITY_TYPE": ["", "", "", "CE", "XX"],
    "CRIT01": ["", "", "PREFCOL=Red", "PREFCOL=Red|Blue", "SECTOR=BANK", "SEGMENT=ABO|VIP"],
    "CRIT02": ["", "", "", "SEGMENT==", "PREFCOL==", "SECTOR==", "BOGUS=1", "PREFCOL=Purple", "PREFCOL=Red||Blue",
               "Red", "=", "=Red", "SEGMENT=VIP=1", "BOGUS==", "PREFCOL=Blue|Blue", "PREFCOL="],
    "CRIT50": ["", "", "", "", "SECTOR=BANK", "PREFCOL=Blue", "SEGMENT==", "Blue", "SECTOR=Nope"],
    "ADMIN_NUMBER": ["", "", "SIRET=1", "VAT=FR1", "BOGUS=2", "123 456", "SIRET==", "=", "VAT=", "=5"],
    "TITLE": ["", "", "MR", "="], "FUNCTION": ["", "", "Boss"], "CNIL_O": ["", "TRUE"], "WEB_SITE": ["", "", "w.example"],
    "NB_EMPLOYEES": ["", "", "="],
}


def random_rows(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame(*[{c: str(rng.choice(v)) for c, v in CHOICES.items()} for _ in range(n)], dataset=f"r{seed}")


# --- the reference: one row at a time, as the spec reads ---------------------------------------------------------
PERSON_ONLY = [c for c in PERSON_FIELDS if c not in STRUCTURE_FIELDS] + AUTH_COLUMNS
STRUCTURE_ONLY = [c for c in STRUCTURE_FIELDS if c not in PERSON_FIELDS and c != "OFFICIAL_NAME"] + ["ADMIN_NUMBER"]


def given(v: str) -> bool:
    return v not in ("", "=")


def reference_keys(r: dict) -> tuple[str, str, str]:
    op = r["OPERATION"].upper() or "INSERT"
    person, structure = given(r["FIRSTNAME"]) or given(r["LASTNAME"]), given(r["OFFICIAL_NAME"])
    kind = "relay" if person and structure else "structure" if structure else "individual" if person else ""
    return op, kind, key_of(r) if structure else ""


def reference_decide(rows: pd.DataFrame, found: Lookups, cat: Catalogue, taken: list[bool]) -> dict:
    crit = {c: (i, t) for c, i, t in zip(cat.criteria.get("criterion_code", []), cat.criteria.get("criterion_id", []),
                                          cat.criteria.get("contact_type", []))}
    elem = {(c, e): i for c, e, i in zip(cat.elements.get("criterion_code", []), cat.elements.get("element_code", []),
                                         cat.elements.get("element_id", []))}
    stored = {nr: dict(c) for nr, c in found.contacts.iterrows()}
    structures = {k: dict(s) for k, s in found.structures.iterrows()}
    refs, records = list(rows.index), rows.to_dict("records")
    out = {k: [] for k in ("outcome", "kind", "target_id", "structure_id", "first")}
    error: dict[int, tuple] = {}           # row → (code, column, value): the first check that fails wins
    warn: dict[str, list] = {}             # code part → [(row, column, value)]
    value_lines, clear_lines, admin_lines = [], [], []
    admin_cell = 0
    facts = []
    for i, r in enumerate(records):
        def fail(code, column, value=""):
            error.setdefault(i, (code, column, value))

        op, kind, mk = reference_keys(r)
        nr = r["CONTACT_NR"]
        insert, update = op == "INSERT", op == "UPDATE"
        if not (insert or update):
            fail("IMPORT_UNKNOWN_OPERATION", "OPERATION", r["OPERATION"])
        if r["INSTITUTION"] not in cat.institutions:
            fail("IMPORT_UNKNOWN_INSTITUTION", "INSTITUTION", r["INSTITUTION"])
        s = stored.get(nr) if nr else None
        if update and not nr:
            fail("IMPORT_CONTACT_NR_MISSING", "CONTACT_NR")
        if update and s is None:
            fail("IMPORT_CONTACT_NOT_FOUND", "CONTACT_NR", nr)
        if update and s is not None and s["status"] == "anonymized":
            fail("IMPORT_CONTACT_ANONYMIZED", "CONTACT_NR", nr)
        if not insert:
            kind = s["kind"] if s is not None else ""
        if insert and kind == "":
            fail("IMPORT_NO_NAME", "LASTNAME")
        if insert and taken[i] and nr:
            fail("IMPORT_CONTACT_NR_TAKEN", "CONTACT_NR", nr)
        existing = structures.get(mk) if mk else None
        matched = insert and kind == "structure" and existing is not None
        if matched and nr and existing["contact_nr"] != nr:
            fail("IMPORT_STRUCTURE_NR_CONFLICT", "CONTACT_NR", nr)
        relay_update = update and kind == "relay" and bool(mk)
        if relay_update and existing is None:
            fail("IMPORT_STRUCTURE_MISSING", "OFFICIAL_NAME", r["OFFICIAL_NAME"])
        for col, known, code in (("STRUCT_TYPE", cat.structure_types, "IMPORT_UNKNOWN_STRUCT_TYPE"),
                                 ("COMMUNITY_TYPE", cat.community_types, "IMPORT_UNKNOWN_COMMUNITY_TYPE")):
            if kind in ("structure", "relay") and given(r[col]) and r[col] not in known:
                fail(code, col, r[col])

        # criteria: every problem is shown with the row's first cell that has it (in column order)
        bare, unknown, bad, misfit_values, misfit_clears = [], [], [], [], []
        for j, col in enumerate(CODEVALUE_COLUMNS[1:]):
            cell = r.get(col, "")
            if not cell:
                continue
            if "=" not in cell or cell == "=":
                bare.append(cell)
                continue
            code, value = cell.split("=", 1)
            if code not in crit:
                unknown.append((col, code))
                continue
            cid, ctype = crit[code]
            target = ("self" if kind in ("individual", "relay") and ctype in ("individual", "both") else
                      "self" if kind == "structure" and ctype in ("structure", "both") else
                      "structure" if kind == "relay" and ctype == "structure" else "")
            if value == "=":
                clear_lines.append((j, i, 0, target, cid, None))
                if not target:
                    misfit_clears.append(col)
                continue
            good = [(k, elem[(code, e)]) for k, e in enumerate(value.split("|")) if (code, e) in elem]
            bad += [(col, f"{code}={e}") for e in value.split("|") if (code, e) not in elem]
            value_lines += [(j, i, k, target, cid, eid) for k, eid in good]
            if good and not target:
                misfit_values.append(col)
        if unknown:
            fail("IMPORT_UNKNOWN_CRITERION", *unknown[0])
        if bad:
            fail("IMPORT_UNKNOWN_CRITERION_ELEMENT", *bad[0])
        if bare:
            warn.setdefault("crit bare", []).append((i, "", bare[0]))
        if misfit_values or misfit_clears:
            warn.setdefault("crit misfit", []).append((i, "", (misfit_values + misfit_clears)[0]))

        # administrative number
        cell = r["ADMIN_NUMBER"]
        if cell:
            if "=" not in cell or cell == "=":
                warn.setdefault("admin bare", []).append((i, "ADMIN_NUMBER", cell))
            else:
                code, number = cell.split("=", 1)
                target = "self" if kind == "structure" else "structure" if kind == "relay" and insert else ""
                if target and code not in cat.admin_number_types:
                    fail("IMPORT_UNKNOWN_ADMIN_NUMBER_TYPE", "ADMIN_NUMBER", code)
                elif target:
                    admin_lines.append((admin_cell, i, target, code, number))
            admin_cell += 1

        # values in columns that do not apply to the kind
        for col in PERSON_ONLY + STRUCTURE_ONLY + ["OFFICIAL_NAME"]:
            applies_not = (kind == "structure" and (not insert or col not in ("FIRSTNAME", "LASTNAME"))
                           if col in PERSON_ONLY else
                           kind == "individual" or (kind == "relay" and not insert) if col in STRUCTURE_ONLY else
                           kind == "individual")
            if applies_not and given(r[col]):
                warn.setdefault(col, []).append((i, col, r[col]))
        facts.append((insert, update, kind, mk, existing, s, matched, relay_update))

    # outcomes, in row order: the first ok row with a new structure key creates it
    seen = set()
    for i, (insert, update, kind, mk, existing, s, matched, relay_update) in enumerate(facts):
        ok = i not in error
        creator = ok and insert and kind in ("structure", "relay") and bool(mk) and existing is None
        first = creator and mk not in seen
        seen |= {mk} if creator else set()
        matched = ok and (matched or (creator and not first and kind == "structure"))
        out["outcome"].append("error" if not ok else "matched" if matched else "insert" if insert else "update")
        out["kind"].append(kind)
        out["target_id"].append((s["id"] if s is not None else pd.NA) if update else
                                existing["id"] if matched and existing is not None else pd.NA)
        out["structure_id"].append(existing["id"] if existing is not None and ((insert and kind == "relay") or relay_update)
                                   else pd.NA)
        out["first"].append(first)

    def findings(lines: list[tuple]) -> pd.DataFrame:   # (row, column, code, value)
        if not lines:
            return empty_findings()
        return pd.DataFrame({"source_ref": [refs[i] for i, *_ in lines], "contact_nr": [records[i]["CONTACT_NR"] for i, *_ in lines],
                             "column": [c for _, c, _, _ in lines], "code": [k for _, _, k, _ in lines],
                             "severity": [severity_of(k).value for _, _, k, _ in lines],
                             "message": [message_of(k) for _, _, k, _ in lines], "value": [v for *_, v in lines]},
                            columns=FINDING_COLUMNS).astype("str")

    codes = list(dict.fromkeys(error[i][0] for i in sorted(error)))   # codes in the order of their first row
    out["errors"] = findings([(i, error[i][1], code, error[i][2]) for code in codes for i in sorted(error) if error[i][0] == code])
    parts = [("crit bare", "IMPORT_NO_CONFIG_CODE"), ("crit misfit", "IMPORT_CRITERION_NOT_FOR_TYPE"),
             ("admin bare", "IMPORT_NO_CONFIG_CODE")] + [(c, "IMPORT_FIELD_NOT_APPLICABLE") for c in PERSON_ONLY + STRUCTURE_ONLY + ["OFFICIAL_NAME"]]
    out["warnings"] = findings([(i, col, code, v) for part, code in parts for i, col, v in warn.get(part, []) if i not in error])
    # criteria lines: known values column by column (elements in order), then clears; numbered before errors drop theirs
    lines = [line for line in sorted(value_lines) + sorted(clear_lines) if line[3]]
    out["criteria"] = [(n, refs[i], t, cid, eid) for n, (_, i, _, t, cid, eid) in enumerate(lines) if i not in error]
    out["admin"] = [(n, refs[i], t, code, number) for n, i, t, code, number in admin_lines if i not in error]
    return out


def check_round(rows: pd.DataFrame, found: Lookups, cat: Catalogue, taken: list[bool]) -> None:
    keys = derive_keys(rows)
    expected_keys = [reference_keys(r) for r in rows.to_dict("records")]
    assert keys.op.tolist() == [k[0] for k in expected_keys]
    assert keys.kind.tolist() == [k[1] for k in expected_keys]
    assert keys.match_key.tolist() == [k[2] for k in expected_keys]
    for s in (keys.op, keys.kind, keys.match_key):
        assert s.dtype == "str" and s.index.equals(rows.index)
    assert keys.contact_nr is rows["CONTACT_NR"] or keys.contact_nr.equals(rows["CONTACT_NR"])

    d = decide_rows(rows, keys, found, cat, taken_numbers=pd.Series(taken, index=rows.index))
    ref = reference_decide(rows, found, cat, taken)
    idx = rows.index
    pdt.assert_series_equal(d.outcome, pd.Series(ref["outcome"], index=idx, dtype="str"))
    pdt.assert_series_equal(d.kind, pd.Series(ref["kind"], index=idx, dtype="str"))
    pdt.assert_series_equal(d.target_id, pd.Series(ref["target_id"], index=idx, dtype="Int64", name="id"))
    pdt.assert_series_equal(d.structure_id, pd.Series(ref["structure_id"], index=idx, dtype="Int64", name="id"))
    first = pd.Series(ref["first"], index=idx, dtype=bool)
    pdt.assert_series_equal(d.first_creator, first)
    pdt.assert_series_equal(d.new_structure, first & (d.kind == "relay").rename(None))
    pdt.assert_frame_equal(d.errors, ref["errors"])
    pdt.assert_frame_equal(d.warnings, ref["warnings"])
    assert list(d.criteria.itertuples(name=None)) == [
        (n, r, t, c, pd.NA if e is None else e) for n, r, t, c, e in ref["criteria"]]
    assert list(d.admin.itertuples(name=None)) == ref["admin"]
    if len(d.criteria):
        assert d.criteria.dtypes.tolist() == ["str", "str", "Int64", "Int64"]
    if len(d.admin):
        assert (d.admin.dtypes == "str").all()

    # the structures new in the round: later rows point at the id the first row creates
    inserts, new = d.outcome == "insert", d.new_structure & (d.outcome == "insert")
    self_ids = pd.Series(np.arange(1000, 1000 + inserts.sum()), index=idx[inserts.to_numpy()])
    structure_ids = pd.Series(np.arange(5000, 5000 + new.sum()), index=idx[new.to_numpy()])
    created = {}
    for i in np.flatnonzero(d.first_creator.to_numpy()):
        ids = self_ids if d.kind.iloc[i] == "structure" else structure_ids
        created[keys.match_key.iloc[i]] = ids.get(idx[i], pd.NA)
    target, structure = d.target_id.tolist(), d.structure_id.tolist()
    for i in range(len(rows)):
        via = created.get(keys.match_key.iloc[i], pd.NA)
        if d.outcome.iloc[i] == "matched" and pd.isna(target[i]):
            target[i] = via
        if (d.outcome.iloc[i] == "insert" and d.kind.iloc[i] == "relay" and not d.new_structure.iloc[i]
                and pd.isna(structure[i])):
            structure[i] = via
    resolve_round_structures(keys, d, self_ids, structure_ids)
    pdt.assert_series_equal(d.target_id, pd.Series(target, index=idx, dtype="Int64", name="id"))
    pdt.assert_series_equal(d.structure_id, pd.Series(structure, index=idx, dtype="Int64", name="id"))


@pytest.mark.parametrize("seed", range(12))
def test_random_rounds_decide_as_the_reference(seed):
    rows = random_rows(seed, 250)
    taken = np.random.default_rng(seed).random(len(rows)) < 0.1
    check_round(rows, lookups(), catalogue(), taken.tolist())


@pytest.mark.parametrize("seed", range(3))
def test_an_environment_without_criteria_rejects_every_criterion(seed):
    check_round(random_rows(100 + seed, 60), lookups(), catalogue(empty=True), [False] * 60)


def test_a_clean_round_of_new_contacts():
    rows = frame(dict(CONTACT_NR="20", LASTNAME="A", CRIT01="PREFCOL=Red"), dict(OFFICIAL_NAME="New SA", TOWN="Bern"),
                 dict(FIRSTNAME="R", OFFICIAL_NAME="New SA", TOWN="Bern", CRIT01="SECTOR=BANK", ADMIN_NUMBER="SIRET=9"),
                 dict(OFFICIAL_NAME="New SA", TOWN="Bern"))
    check_round(rows, lookups(), catalogue(), [False] * 4)
    keys = derive_keys(rows)
    d = decide_rows(rows, keys, lookups(), catalogue(), taken_numbers=pd.Series(False, index=rows.index))
    assert d.outcome.tolist() == ["insert", "insert", "insert", "matched"]
    assert d.first_creator.tolist() == [False, True, False, False] and not d.new_structure.any()
    assert list(d.criteria.itertuples(name=None)) == [(0, "t:1", "self", 1, 11), (1, "t:3", "structure", 2, 21)]
    assert list(d.admin.itertuples(name=None)) == [(0, "t:3", "structure", "SIRET", "9")]
    assert len(d.errors) == 0 and len(d.warnings) == 0
    assert list(d.errors.columns) == FINDING_COLUMNS and (d.errors.dtypes == "str").all()


def test_criteria_lines_come_value_by_value_then_clears_and_keep_their_numbers():
    rows = frame(dict(LASTNAME="A", CRIT01="SEGMENT==", CRIT02="PREFCOL=Blue|Red"),
                 dict(LASTNAME="B", CRIT01="PREFCOL=Purple", CRIT02="PREFCOL=Red"),       # error: its lines go
                 dict(OFFICIAL_NAME="S", CRIT01="PREFCOL=Red", CRIT03="SECTOR=BANK"))     # PREFCOL is not for structures
    keys = derive_keys(rows)
    d = decide_rows(rows, keys, lookups(), catalogue(), taken_numbers=pd.Series(False, index=rows.index))
    assert list(d.criteria.itertuples(name=None)) == [
        (0, "t:1", "self", 1, 12), (1, "t:1", "self", 1, 11), (3, "t:3", "self", 2, 21), (4, "t:1", "self", 3, pd.NA)]
    assert d.errors[["source_ref", "column", "code", "value"]].values.tolist() == [
        ["t:2", "CRIT01", "IMPORT_UNKNOWN_CRITERION_ELEMENT", "PREFCOL=Purple"]]
    assert d.warnings[["source_ref", "column", "code", "value"]].values.tolist() == [
        ["t:3", "", "IMPORT_CRITERION_NOT_FOR_TYPE", "CRIT01"]]


def test_the_first_failing_check_names_the_row_and_errors_are_listed_code_by_code():
    rows = frame(dict(OPERATION="UPDATE", CONTACT_NR="4", INSTITUTION="NOPE"),      # institution before anonymized
                 dict(OPERATION="UPDATE", CONTACT_NR="4"),                           # anonymized
                 dict(CONTACT_NR="1", LASTNAME="X"),                                 # taken
                 dict(OPERATION="MERGE", LASTNAME="Y"),
                 dict(OPERATION="UPDATE", CONTACT_NR="3", OFFICIAL_NAME="Nowhere"),  # relay's structure missing
                 dict(OFFICIAL_NAME="ACME", TOWN="Lyon", CONTACT_NR="7"),            # §7 finds it under number 5
                 dict(OFFICIAL_NAME="ACME", TOWN="Lyon", CONTACT_NR="5", STRUCT_TYPE="WEIRD", CRIT01="BOGUS=1"))
    keys = derive_keys(rows)
    d = decide_rows(rows, keys, lookups(), catalogue(), taken_numbers=pd.Series([False, False, True] + [False] * 4,
                                                                                 index=rows.index))
    assert d.errors[["source_ref", "code", "value"]].values.tolist() == [
        ["t:1", "IMPORT_UNKNOWN_INSTITUTION", "NOPE"], ["t:2", "IMPORT_CONTACT_ANONYMIZED", "4"],
        ["t:3", "IMPORT_CONTACT_NR_TAKEN", "1"], ["t:4", "IMPORT_UNKNOWN_OPERATION", "MERGE"],
        ["t:5", "IMPORT_STRUCTURE_MISSING", "Nowhere"], ["t:6", "IMPORT_STRUCTURE_NR_CONFLICT", "7"],
        ["t:7", "IMPORT_UNKNOWN_STRUCT_TYPE", "WEIRD"]]
    assert d.outcome.tolist() == ["error"] * 7
    # a row that is not an INSERT has the stored contact's kind (none here for MERGE)
    assert d.kind.tolist() == ["individual", "individual", "individual", "", "relay", "structure", "structure"]
