"""``validate_file`` and the ``validate`` / ``template`` commands, called in-process."""
from __future__ import annotations

import csv
import json

import pandas as pd

from stx_migrate.cli.main import main
from stx_migrate.migration.findings import FINDING_COLUMNS
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.secutix_file import read_secutix_file, source_refs, write_secutix_file
from stx_migrate.migration.validate import validate_file

CODES = extended_format().layout()


def sample(path, rows: list[dict]) -> None:
    base = {"INSTITUTION": "DEMO", "ORGANIZATION": "DEMO"}
    frame = pd.DataFrame([{c: {**base, **r}.get(c, "") for c in CODES} for r in rows], columns=CODES).astype("str")
    frame.index = source_refs(path.name, len(frame))
    write_secutix_file(frame, path)


ROWS = [
    {"CONTACT_NR": "1", "LASTNAME": "Martin", "EMAIL1": "anne@example.com"},
    {"CONTACT_NR": "2", "LASTNAME": "Dupont", "EMAIL1": "Bad@Example"},          # warning: dropped
    {"CONTACT_NR": "2", "LASTNAME": "Dupont"},                                    # error: duplicate number
    {"CONTACT_NR": "", "OPERATION": "UPDATE"},                                    # error: UPDATE without number
    {"OPERATION": "CONFIG", "CRIT01": "PREFCOL"},                                 # configuration, not a contact
    {"CONTACT_NR": "5", "OFFICIAL_NAME": "ACME", "CRIT01": "Red"},
]


def read_rejects(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_validate_file_writes_a_reconciled_summary_and_the_log(tmp_path):
    source = tmp_path / "contacts.csv"
    sample(source, ROWS)
    summary = validate_file(source, tmp_path / "out")
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written == summary.model_dump()
    assert (written["rows_in"], written["valid"], written["rejected"], written["merged"], written["dropped"]) == (6, 4, 2, 0, 0)
    assert written["warnings"] == 1
    assert written["reasons"] == {"EMAIL_FORMAT": 1, "CONTACT_NR_DUPLICATE": 1, "CONTACT_NR_MISSING_ON_UPDATE": 1}
    rejects = read_rejects(tmp_path / "out" / "rejects.csv")
    assert list(rejects[0]) == FINDING_COLUMNS
    assert [(r["source_ref"], r["contact_nr"], r["code"], r["severity"], r["value"]) for r in rejects] == [
        ("contacts.csv:2", "2", "EMAIL_FORMAT", "warning", "Bad@Example"),
        ("contacts.csv:3", "2", "CONTACT_NR_DUPLICATE", "error", "2"),
        ("contacts.csv:4", "", "CONTACT_NR_MISSING_ON_UPDATE", "error", ""),
    ]
    assert sorted(p.name for p in (tmp_path).iterdir()) == ["contacts.csv", "out"]  # no staging folder left


def test_cli_validate_exit_0_files_and_last_line_is_the_folder(tmp_path, capsys):
    source = tmp_path / "contacts.xlsx"
    sample(source, ROWS)
    out = tmp_path / "report"
    assert main(["validate", str(source), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == str(out.resolve())
    assert json.loads((out / "summary.json").read_text())["rejected"] == 2
    assert len(read_rejects(out / "rejects.csv")) == 3


def test_cli_validate_with_reference_data_and_country(tmp_path, capsys):
    reference = tmp_path / "reference.yaml"
    reference.write_text("titles: [MR, MRS]\ncriteria:\n  PREFCOL: {contact_type: both, elements: [Red]}\n", encoding="utf-8")
    source = tmp_path / "c.csv"
    sample(source, [{"LASTNAME": "A", "TITLE": "DR", "COUNTRY": "UK", "CRIT01": "PREFCOL=Blue"}])
    assert main(["validate", str(source), "--out", str(tmp_path / "o"), "--reference", str(reference), "--country", "CH"]) == 0
    codes = [r["code"] for r in read_rejects(tmp_path / "o" / "rejects.csv")]
    assert codes == ["TITLE_UNKNOWN", "COUNTRY_UNKNOWN", "CRITERION_VALUE_UNKNOWN"]


def test_cli_validate_exit_2_names_the_problem_and_writes_nothing(tmp_path, capsys):
    source = tmp_path / "semi.csv"
    source.write_text("a;b\r\nc;d\r\ne;f\r\nINSTITUTION;ORGANIZATION\r\n", encoding="utf-8")
    out = tmp_path / "report"
    assert main(["validate", str(source), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"file {source}" in captured.err and "row 4" in captured.err and "';'" in captured.err
    assert not out.exists() and captured.out == ""


def test_cli_validate_refuses_an_unknown_reference_key(tmp_path, capsys):
    source = tmp_path / "c.csv"
    sample(source, ROWS[:1])
    reference = tmp_path / "reference.yaml"
    reference.write_text("titels: [MR]\n", encoding="utf-8")
    assert main(["validate", str(source), "--out", str(tmp_path / "o"), "--reference", str(reference)]) == 2
    assert "titels: unknown key" in capsys.readouterr().err


def test_cli_template_writes_xlsx_or_csv_by_extension(tmp_path, capsys):
    for name in ("t.xlsx", "t.csv"):
        target = tmp_path / "templates" / name
        assert main(["template", str(target)]) == 0
        assert capsys.readouterr().out.strip().splitlines()[-1] == str(target.parent.resolve())
        read = read_secutix_file(target)
        assert read.rows == 0 and list(read.frame.columns) == CODES
    assert main(["template", str(tmp_path / "role.csv"), "--with-role"]) == 0
    assert read_secutix_file(tmp_path / "role.csv").with_role
    assert main(["template", str(tmp_path / "t.json")]) == 2


def test_cli_help_exists_for_both_commands(capsys):
    for command in ("validate", "template"):
        assert main([command, "--help"]) == 0
        assert "Usage" in capsys.readouterr().out
