"""``stx-migrate dedup FILE --out DIR [--project DIR]``: files written, last stdout line, exit codes."""
from __future__ import annotations

import json

import openpyxl
import pandas as pd

from dedup_cases import frame, person
from stx_migrate.cli.main import main
from stx_migrate.migration.dedup import DECISIONS_FILE
from stx_migrate.migration.secutix_file import write_secutix_file

ROWS = [
    person(CONTACT_NR="1001"),
    person(CONTACT_NR="1002", FIRSTNAME="JEAN", EMAIL1="Jean.Dupont@Example.fr"),                 # auto-merge
    person(CONTACT_NR="1003", LASTNAME="Dupond", LINE1="3 avenue des Alpes", ZIPCODE="1003", TOWN="Lausanne",
           COUNTRY="CH", BIRTHDATE="", CELLPHONE=""),     # moved, shares the e-mail: 0.90, merged at the default 0.7
    person(CONTACT_NR="1004", FIRSTNAME="Paul", LASTNAME="Favre", EMAIL1="", CELLPHONE=""),
]


def _file(tmp_path, suffix=".csv"):
    return write_secutix_file(frame(ROWS), tmp_path / f"contacts{suffix}")


def test_dedup_writes_duplicates_review_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["dedup", str(_file(tmp_path)), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out.resolve())
    duplicates = pd.read_csv(out / "duplicates.csv", dtype=str, keep_default_na=False)
    assert list(duplicates.columns) == ["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]
    assert duplicates[["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule"]].values.tolist() == [
        ["contacts.csv:2", "1002", "contacts.csv:1", "1001", "email"], ["contacts.csv:3", "1003", "contacts.csv:1", "1001", "email"]]
    summary = json.loads((out / "summary.json").read_text())
    assert {k: summary[k] for k in ("records", "clusters", "auto_merged", "to_review")} == {
        "records": 4, "clusters": 2, "auto_merged": 2, "to_review": 0}
    assert summary["candidate_pairs"] >= 3 and summary["rows_in"] == summary["valid"] + summary["merged"]
    sheet = openpyxl.load_workbook(out / "review.xlsx")["review"]
    assert sheet.max_row == 1 and sheet.cell(1, 2).value == "decision"      # written, with nothing to review
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_dedup_reads_xlsx_too(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["dedup", str(_file(tmp_path, ".xlsx")), "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["auto_merged"] == 2


def test_dedup_with_a_project_keeps_the_returned_decisions(tmp_path, capsys, workspace_home):
    project = tmp_path / "project"
    project.mkdir()
    (project / "project.yaml").write_text(
        "name: lac\ninstitution: DEMO\norganization: DEMO\nj_date: 2027-03-01\n"
        "source: {kind: csv, datasets: {clients: {file: clients.csv}}}\n"
        "dedup: {auto_merge: 0.97, review: 0.85}\n", encoding="utf-8")
    file, out = _file(tmp_path), tmp_path / "out"
    assert main(["dedup", str(file), "--out", str(out), "--project", str(project)]) == 0
    review = out / "review.xlsx"
    book = openpyxl.load_workbook(review)
    book["review"]["B2"] = "merge"
    book.save(review)
    returned = tmp_path / "returned.xlsx"
    review.rename(returned)

    assert main(["dedup", str(file), "--out", str(out), "--project", str(project), "--decisions", str(returned)]) == 0
    assert json.loads((out / "summary.json").read_text())["auto_merged"] == 2
    assert (workspace_home / "lac" / "procedure" / DECISIONS_FILE).exists()
    # the next run (no --decisions) still applies it
    assert main(["dedup", str(file), "--out", str(out), "--project", str(project)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["auto_merged"] == 2 and summary["to_review"] == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out.resolve())


def test_dedup_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("not;a;secutix;file\n1;2;3;4\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["dedup", str(bad), "--out", str(out)]) == 2
    assert "bad.csv" in capsys.readouterr().err
    assert not out.exists()
    assert main(["dedup", str(_file(tmp_path)), "--out", str(out), "--env", "dev"]) == 2


def test_dedup_against_an_environment_points_to_its_contacts(tmp_path, capsys, workspace_home):
    from stx_migrate.migration.reference import ReferenceData
    from stx_migrate.migration.store import import_contacts, open_store, seed_reference_data

    project = tmp_path / "project"
    (project / "envs").mkdir(parents=True)
    (project / "project.yaml").write_text(
        "name: lac\ninstitution: DEMO\norganization: DEMO\nj_date: 2027-03-01\n"
        "source: {kind: csv, datasets: {clients: {file: clients.csv}}}\n"
        "environments: {dev: {kind: sql, url: 'sqlite:///envs/dev.sqlite'}}\n", encoding="utf-8")
    store = open_store(f"sqlite:///{project / 'envs' / 'dev.sqlite'}", name="dev")
    try:
        seed_reference_data(store, ReferenceData(), institutions=["DEMO"])
        import_contacts(store, frame([person(CONTACT_NR="5000042", FIRSTNAME="Paul", LASTNAME="Favre",
                                             EMAIL1="paul.favre@example.ch", CELLPHONE="")]), run_id="r1", deliverable_id="d1")
    finally:
        store.dispose()
    rows = ROWS + [person(FIRSTNAME="PAUL", LASTNAME="FAVRE", EMAIL1="Paul.Favre@example.ch", CELLPHONE="")]
    file = write_secutix_file(frame(rows), tmp_path / "contacts.csv")
    out = tmp_path / "out"
    assert main(["dedup", str(file), "--out", str(out), "--project", str(project), "--env", "dev"]) == 0
    duplicates = pd.read_csv(out / "duplicates.csv", dtype=str, keep_default_na=False)
    assert ["contacts.csv:5", "dev:5000042", "5000042"] in duplicates[["source_ref", "survivor_ref", "survivor_contact_nr"]].values.tolist()
    assert main(["dedup", str(file), "--out", str(out), "--project", str(project), "--env", "prod"]) == 2
    assert "no environment 'prod'" in capsys.readouterr().err


def test_dedup_code_never_imports_prefect():
    import subprocess
    import sys

    code = ("import sys, stx_migrate.migration.dedup, stx_migrate.cli.dedup_cmds; "
            "sys.exit(1 if 'prefect' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
