"""The rule engine's semantics: contact kinds, OPERATION and CONFIG rows, findings, immutability."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from stx_migrate.migration.findings import FINDING_COLUMNS
from stx_migrate.migration.rules import check_contacts
from test_rules_catalogue import REFERENCE, STRUCTURE, contacts  # noqa: E402  (tests/unit is on sys.path via rootdir)

TODAY = date(2026, 11, 25)


def test_kinds_follow_the_name_rule_of_spec_section_4():
    frame = contacts(
        {"FIRSTNAME": "Anne", "LASTNAME": ""},
        {"FIRSTNAME": "", "LASTNAME": "", "OFFICIAL_NAME": "ACME SA"},
        {"OFFICIAL_NAME": "ACME SA"},
        {"OPERATION": "CONFIG", "FIRSTNAME": "", "LASTNAME": "", "CRIT01": "PREFCOL"},
        {"OPERATION": "UPDATE", "FIRSTNAME": "", "LASTNAME": ""},
        {"FIRSTNAME": "", "LASTNAME": "="},
    )
    result = check_contacts(frame, today=TODAY)
    assert result.kinds.tolist() == ["individual", "structure", "structure_relay", "config", "none", "none"]
    assert result.kinds.index.equals(frame.index)
    # the INSERT row without any name is rejected; the UPDATE without names is not; CONFIG is not a contact
    assert result.rejected.tolist() == [False, False, False, False, False, True]
    assert result.findings["code"].tolist() == ["NAME_MISSING", "CLEAR_ON_INSERT"]


def test_config_rows_set_the_code_per_column_until_the_next_config_row():
    frame = contacts(
        {"CRIT01": "Red"},                                                   # before any CONFIG: no code
        {"OPERATION": "CONFIG", "CRIT01": "PREFCOL", "ADMIN_NUMBER": "SIRET"},
        {"CRIT01": "Red|Green", "ADMIN_NUMBER": "404 833 048 00022", "CRIT02": "Blue"},
        {"OPERATION": "CONFIG", "CRIT02": "COLOUR"},                         # replaces the whole setting
        {"CRIT01": "Red", "CRIT02": "Blue"},
        {"CRIT01": "OTHER=x"},                                               # CODE=value always allowed
    )
    result = check_contacts(frame, today=TODAY)
    found = result.findings[["source_ref", "column", "code"]].values.tolist()
    assert found == [
        ["t:1", "CRIT01", "CRITERION_FORMAT"],
        ["t:3", "CRIT02", "CRITERION_FORMAT"],
        ["t:5", "CRIT01", "CRITERION_FORMAT"],
    ]
    imported = result.contacts
    assert imported.loc["t:3", "CRIT01"] == "PREFCOL=Red|Green"       # expanded: every row self-contained
    assert imported.loc["t:3", "ADMIN_NUMBER"] == "SIRET=404 833 048 00022"
    assert imported.loc["t:5", "CRIT02"] == "COLOUR=Blue"
    assert imported.loc["t:6", "CRIT01"] == "OTHER=x"
    assert imported.loc["t:2", "CRIT01"] == "PREFCOL"                 # the CONFIG row itself is kept as is
    assert not result.rejected.any()


def test_an_invalid_config_cell_leaves_the_column_without_a_code():
    frame = contacts({"OPERATION": "CONFIG", "CRIT01": "PREF COL"}, {"CRIT01": "Red"})
    result = check_contacts(frame, today=TODAY)
    assert result.findings[["source_ref", "code"]].values.tolist() == [
        ["t:1", "CONFIG_CODE_INVALID"], ["t:2", "CRITERION_FORMAT"]]
    assert result.contacts["CRIT01"].tolist() == ["", ""]


def test_empty_means_keep_and_equals_means_clear_on_update():
    frame = contacts({"OPERATION": "UPDATE", "FIRSTNAME": "", "LASTNAME": "", "EMAIL1": "=", "BIRTHDATE": "=",
                      "COUNTRY": "=", "CRIT01": "="})
    result = check_contacts(frame, today=TODAY)
    assert result.findings.empty
    assert result.contacts.equals(frame)


def test_findings_are_in_file_order_with_the_contract_columns():
    frame = contacts({"EMAIL1": "bad", "TOWN": "x" * 30}, {"CONTACT_NR": "A1", "PREF_LANG": "xx"})
    result = check_contacts(frame, today=TODAY)
    assert list(result.findings.columns) == FINDING_COLUMNS
    assert result.findings[["source_ref", "contact_nr", "code"]].values.tolist() == [
        ["t:1", "1001", "VALUE_TOO_LONG"], ["t:1", "1001", "EMAIL_FORMAT"],
        ["t:2", "A1", "CONTACT_NR_NOT_DIGITS"], ["t:2", "A1", "PREF_LANG_FORMAT"]]
    assert set(map(str, result.findings.dtypes)) == {"str"}
    assert result.reasons() == {"VALUE_TOO_LONG": 1, "EMAIL_FORMAT": 1, "CONTACT_NR_NOT_DIGITS": 1, "PREF_LANG_FORMAT": 1}


def test_every_finding_of_a_row_is_reported_not_only_the_first():
    frame = contacts({"CONTACT_NR": "X", "INSTITUTION": "", "FIRSTNAME": "", "LASTNAME": "", "EMAIL1": "no"})
    codes = check_contacts(frame, today=TODAY).findings["code"].tolist()
    assert codes == ["INSTITUTION_MISSING", "CONTACT_NR_NOT_DIGITS", "NAME_MISSING", "EMAIL_FORMAT"]


def test_the_input_frame_is_not_modified():
    frame = contacts({"TOWN": "x" * 30, "EMAIL1": "BAD", "TITLE": "Mr"})
    before = frame.copy(deep=True)
    result = check_contacts(frame, today=TODAY)
    pd.testing.assert_frame_equal(frame, before)
    assert result.contacts.loc["t:1", ["TOWN", "EMAIL1", "TITLE"]].tolist() == ["x" * 20, "", "UNDEFINED"]


def test_unknown_country_is_dropped_without_an_institution_country():
    result = check_contacts(contacts({"COUNTRY": "UK"}), today=TODAY)
    assert result.findings["code"].tolist() == ["COUNTRY_UNKNOWN"]
    assert result.contacts["COUNTRY"].tolist() == [""]


def test_reference_country_names_are_accepted():
    from stx_migrate.migration.reference import ReferenceData

    reference = ReferenceData(country_names=frozenset({"Suisse"}))
    assert check_contacts(contacts({"COUNTRY": "Suisse"}), reference=reference, today=TODAY).findings.empty


def test_criteria_of_a_structure_with_relay_go_to_either_side():
    row = {**STRUCTURE, "FIRSTNAME": "Jo", "CRIT01": "GENRE=OPERA", "CRIT02": "SECTOR=Bank", "CRIT03": "ABO=SEASON"}
    assert check_contacts(contacts(row), reference=REFERENCE, today=TODAY).findings.empty
    structure_only = {**STRUCTURE, "CRIT01": "GENRE=OPERA"}
    result = check_contacts(contacts(structure_only), reference=REFERENCE, today=TODAY)
    assert result.findings["code"].tolist() == ["CRITERION_CONTACT_TYPE"]


def test_codes_are_not_checked_against_lists_the_reference_does_not_give():
    row = {**STRUCTURE, "STRUCT_TYPE": "ANYTHING", "CRIT01": "ANY=thing", "TITLE": "DR", "PREF_LANG": "es"}
    assert check_contacts(contacts(row), reference=None, today=TODAY).findings.empty


def test_a_huge_value_is_quoted_short_in_the_log_and_truncated_in_the_import():
    result = check_contacts(contacts({"REMARK": "é" * 5_000_000}), today=TODAY)
    assert result.findings["code"].tolist() == ["VALUE_TOO_LONG"]
    assert len(result.findings["value"].iloc[0]) == 201
    assert result.contacts["REMARK"].iloc[0] == "é" * 2000


def test_a_frame_that_is_not_the_layout_is_refused():
    frame = contacts({}).drop(columns=["CRIT50"])
    with pytest.raises(ValueError, match="not a SecuTix frame"):
        check_contacts(frame)


def test_an_empty_frame_gives_empty_results():
    frame = contacts({}).iloc[0:0]
    result = check_contacts(frame, today=TODAY)
    assert result.findings.empty and result.rejected.empty and result.kinds.empty
    assert list(result.contacts.columns) == list(frame.columns)
