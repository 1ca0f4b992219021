"""The review loop: review.xlsx written, returned, applied on the next run and kept; identities stable."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from dedup_cases import frame, person
from stx_migrate.migration.dedup import DECISIONS_FILE, find_duplicates, load_decisions
from stx_migrate.migration.dedup.project import RETURNED_DIR, find_duplicates_in_project
from stx_migrate.migration.dedup.review import read_review_file, write_review_workbook
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.dedup import DedupSettings

# The loop, not the thresholds: a band in which the moved copy below (0.90) is to be reviewed
# (the defaults, 0.7 / 0.3, merge it: it shares the e-mail).
SETTINGS = DedupSettings(auto_merge=0.95, review=0.8)


def _review_case() -> pd.DataFrame:
    """Jean Dupont, and a copy (Dupond) that moved and lost its birth date: a pair to review."""
    return frame([
        person(CONTACT_NR="1001", _ref="clients:1001"),
        person(CONTACT_NR="1002", LASTNAME="Dupond", LINE1="3 avenue des Alpes", ZIPCODE="1003", TOWN="Lausanne",
               COUNTRY="CH", BIRTHDATE="", CELLPHONE="", _ref="clients:1002"),
        person(CONTACT_NR="1003", FIRSTNAME="Paul", LASTNAME="Favre", EMAIL1="", CELLPHONE="", _ref="clients:1003"),
    ])


def _decide(path, decision: str, by: str = "A. Reviewer") -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("decision") + 1, value=decision)
    sheet.cell(row=2, column=header.index("decided by") + 1, value=by)
    book.save(path)


def test_review_workbook_shows_both_records_side_by_side(tmp_path):
    contacts = _review_case()
    result = find_duplicates(contacts, SETTINGS)
    assert len(result.review_pairs) == 1 and result.duplicates.empty
    path = write_review_workbook(result, contacts, tmp_path / "review.xlsx")
    sheet = openpyxl.load_workbook(path)["review"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert row["key 1"] == "nr:1001" and row["key 2"] == "nr:1002"
    assert row["TOWN 1"] == "Lyon" and row["TOWN 2"] == "Lausanne" and row["FIRSTNAME 1"] == row["FIRSTNAME 2"] == "Jean"
    assert 0.80 <= row["score"] < 0.95 and row["decision"] in (None, "")
    assert sheet.data_validations.dataValidation[0].formula1 == '"merge,keep apart"'


@pytest.mark.parametrize("decision,merged", [("merge", True), ("Keep apart", False)])
def test_a_returned_decision_is_applied_on_the_next_run_and_kept(tmp_path, decision, merged):
    contacts = _review_case()
    procedure = tmp_path / "procedure"
    first = find_duplicates_in_project(contacts, SETTINGS, procedure)
    review = write_review_workbook(first, contacts, tmp_path / "review.xlsx")
    _decide(review, decision)

    second = find_duplicates_in_project(contacts, SETTINGS, procedure, review_files=[review])
    assert second.review_pairs.empty
    assert (list(second.duplicates["rule"]) == ["review"]) is merged
    kept = load_decisions(procedure / DECISIONS_FILE).pairs
    assert kept[["left_key", "right_key", "decided_by"]].values.tolist() == [["nr:1001", "nr:1002", "A. Reviewer"]]

    # J-1: a refreshed extraction, other row order, no review file given: the decision still holds.
    refreshed = contacts.iloc[::-1]
    third = find_duplicates_in_project(refreshed, SETTINGS, procedure)
    assert third.review_pairs.empty
    assert (len(third.duplicates) == 1) is merged


def test_a_review_file_dropped_in_the_procedure_folder_is_absorbed_then_moved(tmp_path):
    contacts = _review_case()
    procedure = tmp_path / "procedure"
    (procedure / RETURNED_DIR).mkdir(parents=True)
    review = write_review_workbook(find_duplicates(contacts, SETTINGS), contacts, procedure / RETURNED_DIR / "review-back.xlsx")
    _decide(review, "merge")
    result = find_duplicates_in_project(contacts, SETTINGS, procedure)
    assert list(result.duplicates["rule"]) == ["review"]
    assert not review.exists() and (procedure / RETURNED_DIR / "applied" / "review-back.xlsx").exists()


def test_a_keep_apart_decision_beats_an_exact_rule(tmp_path):
    contacts = frame([person(CONTACT_NR="1"), person(CONTACT_NR="2", FIRSTNAME="JEAN")])
    first = find_duplicates(contacts, SETTINGS)
    assert len(first.duplicates) == 1
    decisions = first.decisions
    decisions.pairs = pd.DataFrame([{"left_key": "nr:1", "right_key": "nr:2", "decision": "keep_apart",
                                     "decided_by": "x", "decided_at": "2027-02-01"}])
    second = find_duplicates(contacts, SETTINGS, decisions=decisions)
    assert second.duplicates.empty and second.kept_apart == 1
    assert second.identities.nunique() == 2


def test_a_bad_decision_names_file_row_and_column(tmp_path):
    contacts = _review_case()
    review = write_review_workbook(find_duplicates(contacts, SETTINGS), contacts, tmp_path / "review.xlsx")
    _decide(review, "perhaps")
    with pytest.raises(InputError) as err:
        read_review_file(review)
    assert "review.xlsx" in str(err.value) and "row 2" in str(err.value) and "decision" in str(err.value) and "perhaps" in str(err.value)
    with pytest.raises(InputError):
        read_review_file(tmp_path / "missing.xlsx")


def test_identities_are_stable_across_a_refreshed_extraction(tmp_path):
    procedure = tmp_path / "procedure"
    trial = frame([
        person(CONTACT_NR="1", _ref="clients:1"),
        person(CONTACT_NR="2", FIRSTNAME="JEAN", _ref="clients:2"),                           # duplicate of 1
        person(CONTACT_NR="3", FIRSTNAME="Paul", LASTNAME="Favre", EMAIL1="", CELLPHONE="", _ref="clients:3"),
        person(FIRSTNAME="Anne", LASTNAME="Keller", TITLE="MRS", EMAIL1="anne@example.ch", CELLPHONE="", _ref="clients:4"),
    ])
    first = find_duplicates_in_project(trial, SETTINGS, procedure)
    # J-1: rows come back in another order, one is new, and the survivor's copy is now the more complete row.
    refreshed = frame([
        person(FIRSTNAME="Zoé", LASTNAME="Perrin", TITLE="MRS", EMAIL1="zoe@example.ch", CELLPHONE="", _ref="clients:5"),
        person(CONTACT_NR="3", FIRSTNAME="Paul", LASTNAME="Favre", EMAIL1="", CELLPHONE="", _ref="clients:3"),
        person(CONTACT_NR="2", FIRSTNAME="JEAN", TELEPHONE="04 78 00 00 01", _ref="clients:2"),
        person(FIRSTNAME="Anne", LASTNAME="Keller", TITLE="MRS", EMAIL1="anne@example.ch", CELLPHONE="", _ref="clients:4"),
        person(CONTACT_NR="1", _ref="clients:1"),
    ])
    second = find_duplicates_in_project(refreshed, SETTINGS, procedure)
    for ref in ("clients:1", "clients:2", "clients:3", "clients:4"):
        assert second.identities[ref] == first.identities[ref]
    assert first.identities["clients:1"] == first.identities["clients:2"] == "nr:1"
    assert second.identities["clients:5"] not in set(first.identities)
    assert second.identities.nunique() == 4


def test_survivorship_per_field():
    older = person(_ref="web:1", EMAIL1="old@example.fr", CELLPHONE="", TELEPHONE="", LINE1="1 rue A")
    newer = person(_ref="clients:9", FIRSTNAME="JEAN", EMAIL1="old@example.fr", CELLPHONE="+33 6 99 99 99 99",
                   LINE1="5 rue B", BIRTHDATE="")
    contacts = frame([older, newer])
    recency = pd.Series(["2020-01-01", "2025-06-30"], index=contacts.index)
    settings = DedupSettings(source_priority=["clients", "web"],
                             survivorship={"default": "most_complete", "fields": {"address": "most_recent", "FIRSTNAME": "source_priority"}})
    result = find_duplicates(contacts, settings, recency=recency)
    assert list(result.survivors.index) == ["clients:9"]            # the dataset listed first survives
    row = result.survivors.iloc[0]
    assert row["CELLPHONE"] == "+33 6 99 99 99 99"                   # filled from the record that has it
    assert row["BIRTHDATE"] == "14.03.1962"                          # missing on the survivor, taken from the copy
    assert row["LINE1"] == "5 rue B"                                  # address as a whole, most recent
    assert row["FIRSTNAME"] == "JEAN"                                 # source priority: clients first
    oldest_address = find_duplicates(contacts, settings.model_copy(update={"survivorship": settings.survivorship.model_copy(
        update={"fields": {"address": "most_recent"}})}), recency=recency.iloc[::-1].set_axis(contacts.index))
    assert oldest_address.survivors.iloc[0]["LINE1"] == "1 rue A"
