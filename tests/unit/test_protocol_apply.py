"""apply_protocol: joins, pivots, filters, defaults; contact-number policies."""
from __future__ import annotations

from datetime import date

import pandas as pd
import yaml

from stx_migrate.migration.protocol import ProjectContext, apply_protocol, compile_protocol
from stx_migrate.migration.protocol.numbers import allocate_numbers, keep_source_numbers
from stx_migrate.migration.settings.prepare import ContactNumberPolicy, NumberRange


def frame(rows: list[dict], index_name: str | None = None, prefix: str | None = None) -> pd.DataFrame:
    f = pd.DataFrame(rows).astype("str")
    if prefix:
        f.index = pd.Index(prefix + f[index_name], name="source_ref")
    return f


TABLES = {
    "clients": frame([
        {"ID": "1", "NOM": " dupont ", "SOC": "10", "ACHAT": "01.01.2019", "STATUT": "ok"},
        {"ID": "2", "NOM": "Martin", "SOC": "", "ACHAT": "31.12.2014", "STATUT": "ok"},
        {"ID": "3", "NOM": "Favre", "SOC": "11", "ACHAT": "", "STATUT": "supprimé"},
        {"ID": "4", "NOM": "Rochat", "SOC": "99", "ACHAT": "01.01.2015", "STATUT": "ok"},
    ], "ID", "clients:"),
    "companies": frame([{"ID": "10", "NAME": "Banque A"}, {"ID": "11", "NAME": "Cave B"}, {"ID": "10", "NAME": "dup key"}]),
    "crit": frame([
        {"CLIENT": "1", "CODE": "GENRE", "VAL": "Opéra"}, {"CLIENT": "1", "CODE": "GENRE", "VAL": "Jazz"},
        {"CLIENT": "4", "CODE": "GENRE", "VAL": "Danse"}, {"CLIENT": "4", "CODE": "ABO", "VAL": "Saison"},
        {"CLIENT": "1", "CODE": "OTHER", "VAL": "x"}, {"CLIENT": "4", "CODE": "ABO", "VAL": "Jeune"},
    ]),
}
MANIFEST = {"datasets": {name: {"columns": list(t.columns)} for name, t in TABLES.items()}}


def compiled(tmp_path, protocol: dict, cutoff=date(2015, 1, 1)):
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(protocol, allow_unicode=True), encoding="utf-8")
    ctx = ProjectContext(institution="INST", organization="ORG", country="CH", retention_cutoff=cutoff)
    return compile_protocol(path, MANIFEST, ctx), ctx


BASE = {
    "datasets": {
        "main": "clients",
        "joins": [{"dataset": "companies", "main_key": "SOC", "key": "ID"}],
        "pivots": [
            {"name": "c", "dataset": "crit", "parent": "CLIENT", "main_key": "ID", "key": "CODE", "value": "VAL", "keys": ["GENRE", "ABO"]},
            {"name": "first", "dataset": "crit", "parent": "CLIENT", "main_key": "ID", "key": "CODE", "value": "VAL", "keys": ["ABO"], "keep": "first"},
        ],
    },
    "contact_number": {"from": "ID"},
    "columns": {
        "LASTNAME": {"from": "NOM", "steps": ["trim", {"case": "upper"}]},
        "OFFICIAL_NAME": {"from": "companies.NAME"},
        "CRIT01": {"from": "c.GENRE"},
        "CRIT02": {"from": "c.ABO"},
        "CRIT03": {"from": "first.ABO"},
    },
}


def test_joins_pivots_and_defaults(tmp_path):
    comp, ctx = compiled(tmp_path, BASE)
    result = apply_protocol(comp, TABLES, ctx)
    c = result.contacts
    assert list(c.index) == ["clients:1", "clients:2", "clients:3", "clients:4"]
    assert c["LASTNAME"].tolist() == ["DUPONT", "MARTIN", "FAVRE", "ROCHAT"]
    assert c["OFFICIAL_NAME"].tolist() == ["Banque A", "", "Cave B", ""]      # first row of a repeated key; no match → ''
    assert c["CRIT01"].tolist() == ["Opéra|Jazz", "", "", "Danse"]
    assert c["CRIT02"].tolist() == ["", "", "", "Saison|Jeune"]
    assert c["CRIT03"].tolist() == ["", "", "", "Saison"]
    assert (c["INSTITUTION"] == "INST").all() and (c["ORGANIZATION"] == "ORG").all() and (c["OPERATION"] == "INSERT").all()
    assert (c["FIRSTNAME"] == "").all()
    assert all(str(t) == "str" for t in c.dtypes)
    assert result.source_numbers.tolist() == ["1", "2", "3", "4"]
    assert result.dropped.empty


def test_filters_drop_rows_with_their_reason_code_first_filter_wins(tmp_path):
    protocol = dict(BASE, filters=[
        {"rule": "exclude_values", "code": "DELETED", "params": {"column": "STATUT", "values": ["SUPPRIMÉ"]}},
        {"rule": "retention", "params": {"column": "ACHAT", "formats": ["%d.%m.%Y"], "keep_undated": False}},
    ])
    comp, ctx = compiled(tmp_path, protocol)
    result = apply_protocol(comp, TABLES, ctx)
    # row 2 bought before the cut-off; row 3 is deleted (and undated: the first filter names it); 01.01.2015 is kept
    assert result.dropped.to_dict() == {"clients:2": "RETENTION", "clients:3": "DELETED"}
    assert list(result.contacts.index) == ["clients:1", "clients:4"]


def test_retention_keeps_undated_rows_by_default(tmp_path):
    protocol = dict(BASE, filters=[{"rule": "retention", "params": {"column": "ACHAT", "formats": ["%d.%m.%Y"]}}])
    comp, ctx = compiled(tmp_path, protocol)
    assert apply_protocol(comp, TABLES, ctx).dropped.to_dict() == {"clients:2": "RETENTION"}


def test_keep_policy_checks_digits_range_and_target():
    numbers = pd.Series(["100001", "12a", "", "200000", "100002", "0100003"], index=[f"r{i}" for i in range(6)], dtype="str")
    policy = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=100000, last=199999))
    kept, findings = keep_source_numbers(numbers, policy, ["100002"])
    assert kept.tolist() == numbers.tolist()
    assert sorted(zip(findings.source_ref, findings.code)) == [
        ("r1", "CONTACT_NR_INVALID"), ("r3", "CONTACT_NR_OUT_OF_RANGE"), ("r4", "CONTACT_NR_TAKEN")]
    assert (findings.severity == "error").all()


def test_allocate_skips_taken_numbers_and_reports_an_exhausted_range():
    index = pd.Index(["a", "b", "c", "d"])
    numbers, findings = allocate_numbers(index, NumberRange(first=500, last=503), ["501", "9"])
    assert numbers.tolist() == ["500", "502", "503", ""]
    assert findings[["source_ref", "code"]].values.tolist() == [["d", "CONTACT_NR_RANGE_EXHAUSTED"]]
    numbers, findings = allocate_numbers(pd.Index([]), NumberRange(first=1, last=2), None)
    assert numbers.empty and findings.empty


def test_snapshot_columns_become_text_without_float_or_time_noise():
    import datetime as dt

    import pyarrow as pa

    from stx_migrate.migration.protocol.tables import text_frame

    table = pa.table({
        "n": pa.array([100001, None, 3]),
        "d": pa.array([dt.date(2020, 1, 2), None, dt.date(1999, 12, 31)]),
        "ts": pa.array([dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5), None]),
        "b": pa.array([True, False, None]),
        "s": pa.array(["Zoë", None, ""]),
    })
    frame = text_frame(table)
    assert frame.to_dict("list") == {
        "n": ["100001", "", "3"], "d": ["2020-01-02", "", "1999-12-31"],
        "ts": ["2020-01-02", "2020-01-02 03:04:05", ""], "b": ["true", "false", ""], "s": ["Zoë", "", ""],
    }
    assert all(str(t) == "str" for t in frame.dtypes)


def test_the_reserved_range_compares_numbers_exactly_whatever_their_length():
    """Leading zeros, 18 to 20 digits, bounds past int64: the range check is integer comparison."""
    cases = ["0", "000", "100", "0100", "99", "1000", "1001", "00000000000000000000", "1" * 19, "1" * 20,
             "9" * 20, "0" + "1" * 19, "123456789012345678", "1234567890123456789", "9223372036854775808"]
    numbers = pd.Series(cases, index=[f"r{i}" for i in range(len(cases))], dtype="str")
    for first, last in ((100, 1000), (0, 10**19), (10**18, 2**63 - 1), (5, 5), (10**19, 10**20), (0, 0)):
        policy = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=first, last=last))
        _, findings = keep_source_numbers(numbers, policy, None)
        outside = set(findings.loc[findings.code == "CONTACT_NR_OUT_OF_RANGE", "source_ref"])
        assert outside == {f"r{i}" for i, c in enumerate(cases) if not first <= int(c) <= last}, (first, last)
