"""Every rule of rules.yaml: one valid and one invalid case, exact finding codes, and its action.

``test_every_rule_has_a_case`` walks rules.yaml: a rule added without a case here fails.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pytest

from stx_migrate.migration.format import extended_format
from stx_migrate.migration.reference import Criterion, ReferenceData
from stx_migrate.migration.rules import CHECKS, check_contacts, load_rules

TODAY = date(2026, 11, 25)
BASE = {"INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "OPERATION": "INSERT", "CONTACT_NR": "1001",
        "FIRSTNAME": "Anne", "LASTNAME": "Martin"}
REFERENCE = ReferenceData(
    titles=frozenset({"MR", "MRS", "UNDEFINED"}),
    languages=frozenset({"fr", "en"}),
    structure_types=frozenset({"COMPANY"}),
    community_types=frozenset({"ALUMNI"}),
    departments=frozenset({"75"}),
    admin_number_codes=frozenset({"SIRET"}),
    criteria={
        "GENRE": Criterion(contact_type="individual", elements=frozenset({"OPERA", "JAZZ"})),
        "SECTOR": Criterion(contact_type="structure"),
        "ABO": Criterion(contact_type="both", elements=frozenset({"SEASON"})),
    },
)
STRUCTURE = {"FIRSTNAME": "", "LASTNAME": "", "OFFICIAL_NAME": "ACME SA"}


def contacts(*rows: dict, name: str = "t") -> pd.DataFrame:
    """A SecuTix frame: row i is BASE with CONTACT_NR 1000+i, updated with the given cells (ROLE if any row has it)."""
    with_role = any("ROLE" in r for r in rows)
    layout = extended_format().layout(with_role=with_role)
    records = [{c: {**BASE, "CONTACT_NR": str(1000 + i), **r}.get(c, "") for c in layout}
               for i, r in enumerate(rows, start=1)]
    frame = pd.DataFrame(records, columns=layout).astype("str")
    frame.index = pd.Index([f"{name}:{i}" for i in range(1, len(rows) + 1)], dtype="str", name="source_ref")
    return frame


@dataclass
class Case:
    column: str
    valid: list[dict]
    invalid: list[dict]          # the finding is expected on the last row
    reference: bool = False
    extra_valid: list[list[dict]] = field(default_factory=list)


CASES: dict[str, Case] = {
    "INSTITUTION_MISSING": Case("INSTITUTION", [{}], [{"INSTITUTION": ""}]),
    "INSTITUTION_TOO_LONG": Case("INSTITUTION", [{"INSTITUTION": "X" * 15}], [{"INSTITUTION": "X" * 16}]),
    "ORGANIZATION_MISSING": Case("ORGANIZATION", [{}], [{"ORGANIZATION": " "}]),
    "ORGANIZATION_TOO_LONG": Case("ORGANIZATION", [{"ORGANIZATION": "X" * 8}], [{"ORGANIZATION": "X" * 9}]),
    "OPERATION_UNKNOWN": Case("OPERATION", [{"OPERATION": ""}], [{"OPERATION": "insert"}],
                              extra_valid=[[{"OPERATION": "UPDATE"}]]),
    "OPERATION_NOT_SUPPORTED": Case("OPERATION", [{"OPERATION": "INSERT"}], [{"OPERATION": "DELETE"}]),
    "CONTACT_NR_NOT_DIGITS": Case("CONTACT_NR", [{"CONTACT_NR": "0012345"}], [{"CONTACT_NR": "12-34"}]),
    "CONTACT_NR_TOO_LONG": Case("CONTACT_NR", [{"CONTACT_NR": "1" * 20}], [{"CONTACT_NR": "1" * 21}]),
    "CONTACT_NR_MISSING_ON_UPDATE": Case("CONTACT_NR", [{"CONTACT_NR": ""}],  # INSERT: SecuTix numbers it
                                         [{"OPERATION": "UPDATE", "CONTACT_NR": ""}]),
    "CONTACT_NR_DUPLICATE": Case("CONTACT_NR", [{"CONTACT_NR": "1001"}, {"CONTACT_NR": "1002"}],
                                 [{"CONTACT_NR": "1001"}, {"CONTACT_NR": "1001"}]),
    "NAME_MISSING": Case("LASTNAME", [STRUCTURE], [{"FIRSTNAME": "", "LASTNAME": " "}],
                         extra_valid=[[{"OPERATION": "UPDATE", "FIRSTNAME": "", "LASTNAME": ""}]]),
    "CLEAR_ON_INSERT": Case("FUNCTION", [{"OPERATION": "UPDATE", "FUNCTION": "="}], [{"FUNCTION": "="}]),
    "ROLE_UNKNOWN": Case("ROLE", [{"ROLE": "RELAY"}], [{"ROLE": "BOSS"}]),
    "TITLE_FORMAT": Case("TITLE", [{"TITLE": "MR_AND_MRS"}], [{"TITLE": "Mr."}]),
    "TITLE_UNKNOWN": Case("TITLE", [{"TITLE": "MRS"}], [{"TITLE": "DR"}], reference=True),
    "VALUE_TOO_LONG": Case("TOWN", [{"TOWN": "x" * 20}], [{"TOWN": "x" * 21}]),
    "BIRTHDATE_FORMAT": Case("BIRTHDATE", [{"BIRTHDATE": "31/01/1999"}], [{"BIRTHDATE": "1999-01-31"}],
                             extra_valid=[[{"BIRTHDATE": "31.01.1999"}], [{"BIRTHDATE": "31-01-1999"}]]),
    "BIRTHDATE_IMPOSSIBLE": Case("BIRTHDATE", [{"BIRTHDATE": "28.02.1999"}], [{"BIRTHDATE": "30.02.1999"}]),
    "BIRTHDATE_FUTURE": Case("BIRTHDATE", [{"BIRTHDATE": "25.11.2026"}], [{"BIRTHDATE": "26.11.2026"}]),
    "PREF_LANG_FORMAT": Case("PREF_LANG", [{"PREF_LANG": "fr"}], [{"PREF_LANG": "FR"}]),
    "PREF_LANG_NOT_SET_UP": Case("PREF_LANG", [{"PREF_LANG": "en"}], [{"PREF_LANG": "es"}], reference=True),
    "STRUCT_TYPE_UNKNOWN": Case("STRUCT_TYPE", [{**STRUCTURE, "STRUCT_TYPE": "COMPANY"}],
                                [{**STRUCTURE, "STRUCT_TYPE": "BANK"}], reference=True),
    "COMMUNITY_TYPE_UNKNOWN": Case("COMMUNITY_TYPE", [{**STRUCTURE, "COMMUNITY_TYPE": "ALUMNI"}],
                                   [{**STRUCTURE, "COMMUNITY_TYPE": "GOLF"}], reference=True),
    "ADMIN_NUMBER_FORMAT": Case("ADMIN_NUMBER", [{**STRUCTURE, "ADMIN_NUMBER": "SIRET=404 833 048 00022"}],
                                [{**STRUCTURE, "ADMIN_NUMBER": "404 833 048 00022"}]),
    "ADMIN_NUMBER_CODE_UNKNOWN": Case("ADMIN_NUMBER", [{**STRUCTURE, "ADMIN_NUMBER": "SIRET=1"}],
                                      [{**STRUCTURE, "ADMIN_NUMBER": "VAT=1"}], reference=True),
    "NB_EMPLOYEES_FORMAT": Case("NB_EMPLOYEES", [{**STRUCTURE, "NB_EMPLOYEES": "0"}],
                                [{**STRUCTURE, "NB_EMPLOYEES": "-3"}]),
    "WEB_SITE_SCHEME": Case("WEB_SITE", [{"WEB_SITE": "https://example.com"}], [{"WEB_SITE": "www.example.com"}]),
    "WEB_SITE_TOO_LONG": Case("WEB_SITE", [{"WEB_SITE": "http://" + "a" * 248}], [{"WEB_SITE": "http://" + "a" * 249}]),
    "ADDR_TYPE_INVALID": Case("ADDR_TYPE", [{"ADDR_TYPE": "BSM"}], [{"ADDR_TYPE": "MM"}]),
    "DEPARTMENT_UNKNOWN": Case("DEPARTMENT", [{"DEPARTMENT": "75"}], [{"DEPARTMENT": "99"}], reference=True),
    "COUNTRY_UNKNOWN": Case("COUNTRY", [{"COUNTRY": "GB"}], [{"COUNTRY": "UK"}]),
    "PHONE_INVALID": Case("TELEPHONE", [{"TELEPHONE": "+33 1 40 15 80 00"}], [{"TELEPHONE": "01 SVP 77 77"}],
                          extra_valid=[[{"FAX": "(41)0216132111"}], [{"CELLPHONE": "0041 21 613 21 11"}]]),
    "EMAIL_FORMAT": Case("EMAIL1", [{"EMAIL1": "anne.martin+news@example.com"}], [{"EMAIL1": "Anne.Martin@Example.com"}]),
    "EMAIL_TOO_LONG": Case("EMAIL2", [{"EMAIL2": "a" * 238 + "@example.com"}], [{"EMAIL2": "a" * 239 + "@example.com"}]),
    "BOOLEAN_INVALID": Case("CNIL_O", [{"CNIL_O": "FALSE"}], [{"CNIL_O": "yes"}]),
    "CRITERION_FORMAT": Case("CRIT01", [{"CRIT01": "PREFCOL=Red|Green"}], [{"CRIT01": "PREFCOL=Red||Green"}],
                             extra_valid=[[{"OPERATION": "CONFIG", "CRIT01": "PREFCOL"}, {"CRIT01": "Red|Green"}]]),
    "CRITERION_TOO_LONG": Case("CRIT50", [{"CRIT50": "NOTE=" + "x" * 995}], [{"CRIT50": "NOTE=" + "x" * 996}]),
    "CRITERION_UNKNOWN": Case("CRIT02", [{"CRIT02": "GENRE=OPERA"}], [{"CRIT02": "COLOR=Red"}], reference=True),
    "CRITERION_VALUE_UNKNOWN": Case("CRIT03", [{"CRIT03": "GENRE=OPERA|JAZZ"}], [{"CRIT03": "GENRE=OPERA|POLKA"}],
                                    reference=True),
    "CRITERION_CONTACT_TYPE": Case("CRIT04", [{**STRUCTURE, "FIRSTNAME": "Jo", "CRIT04": "SECTOR=Banking"}],
                                   [{"CRIT04": "SECTOR=Banking"}], reference=True),
    "CONFIG_CODE_INVALID": Case("CRIT01", [{"OPERATION": "CONFIG", "CRIT01": "PREFCOL"}],
                                [{"OPERATION": "CONFIG", "CRIT01": "PREFCOL=Red"}]),
}


def run(rows: list[dict], case: Case):
    return check_contacts(contacts(*rows), reference=REFERENCE if case.reference else None,
                          institution_country="FR", today=TODAY)


def test_every_rule_has_a_case_and_a_check():
    codes = [rule.code for rule in load_rules().rules]
    assert sorted(codes) == sorted(CASES), "every rule of rules.yaml needs a valid and an invalid case here"
    assert sorted(CHECKS) == sorted(codes), "every rule needs a registered check, every check a rule"


@pytest.mark.parametrize("code", sorted(CASES))
def test_valid_case_has_no_finding(code):
    case = CASES[code]
    for rows in [case.valid, *case.extra_valid]:
        result = run(rows, case)
        assert result.findings["code"].tolist() == [], rows
        assert not result.rejected.any()


@pytest.mark.parametrize("code", sorted(CASES))
def test_invalid_case_gives_exactly_its_code_and_action(code):
    case = CASES[code]
    rule = load_rules().rule(code)
    result = run(case.invalid, case)
    last = result.findings["source_ref"] == f"t:{len(case.invalid)}"
    assert result.findings.loc[last, "code"].tolist() == [code]
    finding = result.findings[last].iloc[0]
    assert (finding["column"], finding["severity"]) == (case.column, rule.severity)
    original = contacts(*case.invalid)[case.column].iloc[-1]
    assert finding["value"] == (original if len(original) <= 200 else original[:200] + "…")  # the log quotes 200 at most
    imported = result.contacts[case.column].iloc[-1]
    if rule.action == "reject":
        assert result.rejected.iloc[-1] and not result.rejected.iloc[:-1].any()
    else:
        assert not result.rejected.any()
        if rule.action == "drop":
            assert imported == ""
        elif rule.action == "truncate":
            assert imported == original[: extended_format().column(case.column).max_length]
        else:
            assert imported == rule.default.replace("{institution_country}", "FR")


def test_rules_catalogue_is_consistent():
    for rule in load_rules().rules:
        assert rule.spec.startswith("§"), rule.code
        assert (rule.severity == "error") == (rule.action == "reject"), rule.code


def test_rule_actions_agree_with_the_columns_on_bad_value_in_columns_yaml():
    """rules.yaml and columns.yaml state the spec's 'on bad value' twice: they must agree.

    Row-level rules (the name rule) and the generic '=' on INSERT rule are not about one column's value.
    """
    fmt = extended_format()
    for rule in load_rules().rules:
        if rule.code in {"NAME_MISSING", "CLEAR_ON_INSERT"}:
            continue
        for column in rule.columns:
            assert rule.action == fmt.column(column).on_bad, (rule.code, column)
