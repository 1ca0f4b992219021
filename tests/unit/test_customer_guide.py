"""`stx-migrate guide`: the starter kit is generated from the catalogues (every column, every rule, CONFIG rows)."""
from __future__ import annotations

import openpyxl

from stx_migrate.cli.main import main
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.report.words import reason_text
from stx_migrate.migration.rules.catalogue import load_rules
from stx_migrate.migration.secutix_file import read_secutix_file


def test_guide_in_german_lists_every_column_and_rule_and_the_template_beside_it(tmp_path, capsys):
    out = tmp_path / "kit"
    assert main(["guide", "--lang", "de", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    book = openpyxl.load_workbook(out / "guide.xlsx", read_only=True)
    assert [ws.title for ws in book.worksheets] == ["Spalten", "Zeilenregeln", "CONFIG-Zeilen", "Auszufüllende Vorlage"]
    columns = [r for r in book["Spalten"].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in columns] == extended_format().layout()
    by_code = {r[1]: r for r in columns}
    assert by_code["LASTNAME"][2:7] == ("Der Name", "Text", "100", "ein Name: Vorname, Name oder Firmenname", "")
    assert by_code["OPERATION"][6] == "CONFIG, INSERT, UPDATE"
    assert by_code["STRUCT_TYPE"][6] == "in Ihrer SecuTix-Institution definierte Codes"
    assert by_code["BIRTHDATE"][7] == "24.06.1985"
    rules = {r[0]: r for r in book["Zeilenregeln"].iter_rows(min_row=2, values_only=True)}
    catalogue = load_rules().rules
    assert set(rules) == {r.code for r in catalogue}
    for rule in catalogue:   # the validator's own message, as rejects.csv gives it, and the words of the report
        assert rules[rule.code][4] == rule.message_for(rule.columns[0])
        assert rules[rule.code][3] == reason_text(rule.code, "de")
    assert rules["NAME_MISSING"][2] == "Zeile nicht importiert"
    config = list(book["CONFIG-Zeilen"].iter_rows(values_only=True))
    assert config[1][0].startswith("Eine CONFIG-Zeile") and config[4][2] == "CONFIG"
    template = read_secutix_file(out / "contacts-template.xlsx")
    assert len(template.frame) == 0 and list(template.frame.columns) == extended_format().layout()


def test_guide_refuses_an_unknown_language(tmp_path, capsys):
    assert main(["guide", "--lang", "it", "--out", str(tmp_path / "kit")]) == 2
    assert "allowed: fr, de, en" in capsys.readouterr().err
