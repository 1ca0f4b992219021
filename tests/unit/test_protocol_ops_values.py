"""Dates, phones, e-mails, countries, languages, criteria and flags."""
from __future__ import annotations

import random

import email_validator
import pandas as pd
import phonenumbers
import pytest

from stx_migrate.migration.protocol import ops_codes, ops_contact, ops_dates
from stx_migrate.migration.protocol.emails import normalise_emails
from stx_migrate.migration.protocol.phones import _parse_one, normalise_phones
from stx_migrate.migration.protocol.registry import ProjectContext, StepContext


def ctx_for(n: int, country: str = "CH", **outputs) -> StepContext:
    index = pd.Index([f"c:{i}" for i in range(1, n + 1)])
    outs = {k: pd.Series(v, index=index, dtype="str") for k, v in outputs.items()}
    return StepContext("X", outs, ProjectContext(country=country), index)


def col(values, ctx: StepContext) -> pd.Series:
    return pd.Series(list(values), index=ctx.index, dtype="str")


def codes(ctx: StepContext) -> list[tuple[str, str]]:
    return [(f.source_ref, f.code) for frame in ctx.findings for f in frame.itertuples()]


def test_parse_date_several_formats_and_century_pivot():
    values = ["05/03/85", "5/3/24", "30.02.1999", "1985-03-04", "29/02/00", "", "inconnue", "31.12.1999"]
    ctx = ctx_for(len(values))
    params = ops_dates.ParseDateParams(formats=["%d/%m/%y", "%d.%m.%Y", "%Y-%m-%d"], century_pivot=25)
    out = ops_dates.parse_date(col(values, ctx), params, ctx)
    assert out.tolist() == ["05.03.1985", "05.03.2024", "", "04.03.1985", "29.02.2000", "", "", "31.12.1999"]
    assert codes(ctx) == [("c:3", "DATE_UNPARSED"), ("c:7", "DATE_UNPARSED")]


def test_parse_date_pivot_decides_the_century_and_the_date_must_exist_in_it():
    ctx = ctx_for(4)
    params = ops_dates.ParseDateParams(formats=["%d/%m/%y"], century_pivot=0)
    out = ops_dates.parse_date(col(["01/01/30", "29/02/00", "01/01/01", "29/02/01"], ctx), params, ctx)
    assert out.tolist() == ["01.01.1930", "29.02.2000", "01.01.1901", ""]


def test_parse_date_params_refuse_a_format_without_a_year():
    with pytest.raises(ValueError):
        ops_dates.ParseDateParams(formats=["%d/%m"])


def test_phone_region_from_the_row_country_e164_and_invalid_reported():
    values = ["01 40 15 80 00", "022 345 67 89", "02 555 12 34", "+41 79 123 45 67", "0033 6 12 34 56 78", "12 34", ""]
    ctx = ctx_for(len(values), COUNTRY=["FR", "CH", "BE", "FR", "CH", "FR", "FR"])
    out = ops_contact.phone(col(values, ctx), ops_contact.PhoneParams(region_from="COUNTRY"), ctx)
    assert out.tolist() == ["+33140158000", "+41223456789", "+3225551234", "+41791234567", "+33612345678", "", ""]
    assert codes(ctx) == [("c:6", "PHONE_INVALID")]


def test_phone_uses_the_project_country_when_the_row_has_none():
    ctx = ctx_for(1, COUNTRY=[""])
    assert ops_contact.phone(col(["022 345 67 89"], ctx), ops_contact.PhoneParams(region_from="COUNTRY"), ctx).tolist() == ["+41223456789"]


def test_phone_never_adds_or_removes_digits_beyond_the_trunk_prefix():
    # Italian numbers keep their leading 0 after the country code; nothing is dropped.
    assert normalise_phones(pd.Series(["06 1234 5678"], dtype="str"), pd.Series(["IT"], dtype="str")).tolist() == ["+390612345678"]
    # an extra digit makes it invalid rather than silently cut
    assert normalise_phones(pd.Series(["022 345 67 899"], dtype="str"), pd.Series(["CH"], dtype="str")).tolist() == [""]


def test_a_leading_00_is_international_only_where_the_region_dials_00():
    numbers = ["0041 22 345 67 89", "0041 22 345 67 89", "0011 41 22 345 67 89", "000041223456789"]
    regions = ["CH", "AU", "AU", "CH"]
    got = normalise_phones(pd.Series(numbers, dtype="str"), pd.Series(regions, dtype="str")).tolist()
    assert got == ["+41223456789", "", "+41223456789", ""]     # Australia dials 0011; 00 then 0 is no calling code
    assert got == [_parse_one(n, r) for n, r in zip(numbers, regions)]


@pytest.mark.parametrize("seed", [4, 5])
def test_phone_fast_path_agrees_with_phonenumbers(seed):
    """Valid and invalid numbers alike: the fast paths (either verdict) give what phonenumbers gives."""
    rng = random.Random(seed)
    numbers, regions = [], []
    for _ in range(6000):
        region = rng.choice(["FR", "CH", "BE", "DE", "AT", "NL", "GB", "IT", "AU", "BR", "RU"])
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([5, 7, 8, 9, 10, 11, 13])))
        prefix = rng.choice(["0", "0", "0", "00", "+41", "+33", "+32", "+320", "+49", "+1", "+44", "0041 ", "+39 0",
                             "+61", "+7", "01", "0011", "8"])
        numbers.append(prefix + digits)
        regions.append(region)
    for region in ("FR", "CH", "BE", "DE", "GB", "NL"):        # real numbers, and each with one digit more or less
        example = phonenumbers.national_significant_number(phonenumbers.example_number(region))
        numbers += ["0" + example, "0" + example[:-1], "0" + example + "5", "0" + example[:-1] + "X"]
        regions += [region] * 4
    fast = normalise_phones(pd.Series(numbers, dtype="str"), pd.Series(regions, dtype="str")).tolist()
    slow = [_parse_one(n, r) for n, r in zip(numbers, regions)]
    assert [(n, r, f, s) for n, r, f, s in zip(numbers, regions, fast, slow) if f != s] == []
    assert sum(1 for v in fast if v) > 100   # the sample exercises valid numbers too


def test_email_normalised_and_checked():
    values = [" Jean.Dupont@Example.FR ", "bad@", "jean@@x.fr", "élise@exemple.fr", "a@b.test", "x@localhost", ""]
    ctx = ctx_for(len(values))
    out = ops_contact.email(col(values, ctx), ops_contact.NoParams(), ctx)
    assert out.tolist() == ["jean.dupont@example.fr", "", "", "élise@exemple.fr", "", "", ""]
    assert [c for _, c in codes(ctx)] == ["EMAIL_INVALID"] * 4


def test_email_fast_path_agrees_with_email_validator():
    rng = random.Random(7)
    alphabet = "abc.-_+@xy9"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 14))) + rng.choice([".ch", ".fr", ".c", "", ".museum"]) for _ in range(3000)]
    samples += ["a..b@x.ch", ".a@x.ch", "a.@x.ch", "a@-x.ch", "a@x-.ch", "a@ab--cd.ch", "a+b@x.co", "x_y@sub.domain.org"]
    # quoted local parts, escapes, display names, spaces: the @ count alone does not decide these
    samples += ['"a@b"@x.ch', '"a b"@x.ch', 'a\\@b@x.ch', '"a"@@x.ch', 'Jean <jean@x.ch>', 'jean dupont@x.ch', '@', '@@', '']
    samples += ["".join(rng.choice('ab@"\\ .<>9') for _ in range(rng.randint(1, 10))) + ".ch" for _ in range(2000)]
    fast = normalise_emails(pd.Series(samples, dtype="str")).tolist()

    def slow(v: str) -> str:
        try:
            return email_validator.validate_email(v.strip().lower(), check_deliverability=False).normalized.lower()
        except email_validator.EmailNotValidError:
            return ""

    assert fast == [slow(v) for v in samples]
    assert sum(1 for v in fast if v) > 50


@pytest.mark.parametrize("text,code", [
    ("Suisse", "CH"), ("Schweiz", "CH"), ("Svizzera", "CH"), ("Switzerland", "CH"), (" suisse ", "CH"), ("CHE", "CH"), ("ch", "CH"),
    ("Belgique", "BE"), ("Belgien", "BE"), ("Allemagne", "DE"), ("Deutschland", "DE"), ("Royaume-Uni", "GB"),
    ("États-Unis", "US"), ("Italie", "IT"), ("Frankreich", "FR"), ("Francia", "FR"),
])
def test_country_names_in_four_languages_and_codes(text, code):
    ctx = ctx_for(1)
    assert ops_contact.country(col([text], ctx), ops_contact.CodeLookupParams(), ctx).tolist() == [code]


def test_country_unknown_dropped_and_aliases():
    ctx = ctx_for(3)
    out = ops_contact.country(col(["Atlantis", "UK", ""], ctx), ops_contact.CodeLookupParams(aliases={"UK": "gb"}), ctx)
    assert out.tolist() == ["", "GB", ""]
    assert codes(ctx) == [("c:1", "COUNTRY_UNKNOWN")]


def test_language_codes_names_and_locales():
    values = ["français", "Deutsch", "allemand", "FR", "fra", "fr_CH", "de-ch", "Italiano", "anglais", "klingon"]
    ctx = ctx_for(len(values))
    out = ops_contact.language(col(values, ctx), ops_contact.CodeLookupParams(), ctx)
    assert out.tolist() == ["fr", "de", "de", "fr", "fr", "fr", "de", "it", "en", ""]
    assert codes(ctx) == [("c:10", "LANGUAGE_UNKNOWN")]


def test_criterion_maps_elements_keeps_order_without_repeats():
    ctx = ctx_for(4)
    params = ops_codes.CriterionParams(code="GENRE", values={"Opéra": "OPERA", "danse": "DANCE"})
    out = ops_codes.criterion(col(["Opéra|Danse", "", "danse|opéra|Danse", "Cirque|Opéra"], ctx), params, ctx)
    assert out.tolist() == ["GENRE=OPERA|DANCE", "", "GENRE=DANCE|OPERA", "GENRE=OPERA"]
    assert codes(ctx) == [("c:4", "CRITERION_UNMAPPED")]


def test_criterion_without_table_keeps_values():
    ctx = ctx_for(2)
    out = ops_codes.criterion(col(["Red; Green", "Blue"], ctx), ops_codes.CriterionParams(code="PREFCOL", separator=";"), ctx)
    assert out.tolist() == ["PREFCOL=Red|Green", "PREFCOL=Blue"]


def test_flag_to_true_false():
    ctx = ctx_for(7)
    out = ops_codes.flag(col(["oui", "NON", "1", "0", "ja", "", "peut-être"], ctx), ops_codes.FlagParams(), ctx)
    assert out.tolist() == ["TRUE", "FALSE", "TRUE", "FALSE", "TRUE", "", ""]
    assert codes(ctx) == [("c:7", "VALUE_UNMAPPED")]
    ctx = ctx_for(1)
    assert ops_codes.flag(col(["?"], ctx), ops_codes.FlagParams(default="FALSE"), ctx).tolist() == ["FALSE"]
