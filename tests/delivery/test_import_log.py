"""``stx-migrate import-log``: SecuTix's log of a delivered file read back; every source row accounted for."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from delivery_helpers import make_deliverable, make_project

from stx_migrate.cli.main import main
from stx_migrate.migration.secutix_file import write_secutix_file
from stx_migrate.migration.workspace import Workspace

pytestmark = pytest.mark.prefect

LOG_SETTINGS = {"columns": {"status": "Statut", "message": "Message", "row": "Ligne", "contact_nr": None},
                "imported": ["OK"], "warning": ["AVERTISSEMENT"], "refused": ["ERREUR"]}


def _last_line(capsys) -> Path:
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture()
def delivered(tmp_path, workspace_home, prefect_api, capsys):
    """A deliverable of 6 rows (1 dropped by a filter, 1 rejected, 1 merged, 3 valid) delivered to a file drop."""
    from delivery_helpers import PEOPLE, customer_frame

    project = make_project(tmp_path / "p", {"drop": {"kind": "file-drop", "path": "drop"}},
                           {"protocol": "adjust.yaml", "import_log": LOG_SETTINGS})
    frame = customer_frame(PEOPLE + [("1006", "Old", "Account", "")])
    frame.loc["x:6", "REMARK"] = "SUPPRIME"
    write_secutix_file(frame, project / "contacts.xlsx")
    (project / "adjust.yaml").write_text(yaml.safe_dump({"filters": [
        {"rule": "exclude_values", "code": "DELETED_ACCOUNT", "params": {"column": "REMARK", "values": ["SUPPRIME"]}}]}))
    deliverable = make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "drop"]) == 0
    run = _last_line(capsys)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["secutix_status"] == "delivered, awaiting SecuTix's log" and summary["imported"] == 0
    return project, deliverable, run


def test_the_log_gives_secutix_counts_and_not_imported_lists_every_row_that_did_not_land(delivered, tmp_path, capsys):
    project, deliverable, run = delivered
    (tmp_path / "log.csv").write_text("Ligne;Statut;Message\n5;OK;\n6;ERREUR;Adresse e-mail déjà utilisée\n",
                                      encoding="cp1252")
    assert main(["import-log", "--project", str(project), "--env", "drop", str(tmp_path / "log.csv")]) == 0
    assert _last_line(capsys) == run
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["imported"], summary["secutix_refused"], summary["secutix_not_in_log"]) == (1, 1, 1)
    assert summary["secutix_status"] == "SecuTix's log absorbed"
    rows = pd.read_csv(run / "not_imported.csv", dtype=str, keep_default_na=False)
    assert summary["rows_in"] == 6 == summary["imported"] + len(rows)
    assert rows[["source_ref", "stage", "code"]].values.tolist() == [
        ["contacts:6", "filter", "DELETED_ACCOUNT"], ["contacts:3", "prepare", "NAME_MISSING"],
        ["contacts:4", "dedup", "MERGED"], ["contacts:2", "secutix", "SECUTIX_REFUSED"],
        ["contacts:5", "secutix", "SECUTIX_NOT_IN_LOG"]]
    assert rows.loc[3, "message"] == "SecuTix: Adresse e-mail déjà utilisée" and rows.loc[3, "contact_nr"] == "1002"
    assert (rows["message"] != "").all()
    journal = [json.loads(line) for line in (Workspace("loop").procedure_dir / "ticket.jsonl").read_text().splitlines()]
    assert journal[-1]["action"] == "note" and journal[-1]["value"].startswith(   # no production record: a plain note
        f"SecuTix's log of deliverable {deliverable.name} on drop: 1 imported (0 with a warning), 1 refused")


def test_a_log_keyed_by_contact_number_in_xlsx(delivered, tmp_path, capsys):
    import xlsxwriter

    project, deliverable, run = delivered
    config = yaml.safe_load((project / "project.yaml").read_text())
    config["import_log"] = {"columns": {"status": "STATUS", "message": "MESSAGE", "contact_nr": "CONTACT_NR"},
                            "match_by": "contact_nr", "header_row": 2}
    (project / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    workbook = xlsxwriter.Workbook(tmp_path / "log.xlsx")
    sheet = workbook.add_worksheet()
    for r, row in enumerate([["Import report"], ["CONTACT_NR", "STATUS", "MESSAGE"], ["1005", "OK", ""],
                             ["1001", "WARNING", "Title unknown, UNDEFINED used"], ["1002", "OK", ""]]):
        sheet.write_row(r, 0, row)
    workbook.close()
    assert main(["import-log", "--project", str(project), "--env", "drop", str(tmp_path / "log.xlsx")]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    assert (summary["imported"], summary["secutix_warnings"], summary["not_imported"]) == (3, 1, 0)
    rows = pd.read_csv(run / "not_imported.csv", dtype=str, keep_default_na=False)
    assert list(rows["stage"]) == ["filter", "prepare", "dedup"] and summary["rows_in"] == 3 + len(rows)


@pytest.mark.parametrize("log, problem", [
    ("Ligne;Statut;Message\n5;PERDU;\n", "unknown status"),
    ("Ligne;Statut;Message\n5;OK;\n9;OK;\n", "names no row of the delivered file"),
    ("Ligne;Statut;Message\n5;OK;\n5;ERREUR;x\n", "a second line for the same delivered row"),
])
def test_a_log_that_does_not_fit_is_refused_naming_row_column_value(delivered, tmp_path, capsys, log, problem):
    project, deliverable, run = delivered
    before = (run / "summary.json").read_text()
    (tmp_path / "log.csv").write_text(log, encoding="utf-8")
    assert main(["import-log", "--project", str(project), "--env", "drop", str(tmp_path / "log.csv")]) == 2
    err = capsys.readouterr().err
    assert problem in err and "log.csv" in err
    assert (run / "summary.json").read_text() == before


def test_secutix_log_of_the_production_import_reaches_the_ticket_with_the_complete_list(delivered, tmp_path, capsys,
                                                                                        monkeypatch):
    """Step 16 once SecuTix's log is back: a post on the Kayako Classic ticket (a local server that checks every
    signature) with SecuTix's counts, the complete not_imported.csv (its refusals included) and gate.md attached."""
    import base64

    from kayako_classic_server import API_KEY, SECRET_KEY, KayakoClassic, start_kayako_classic

    from stx_migrate.migration.gate import evaluate_gate
    from stx_migrate.migration.procedure import read_deliverable_ref
    from stx_migrate.migration.procedure.records import write_production_record
    from stx_migrate.migration.settings import load_project

    project, deliverable, run = delivered
    loaded = load_project(project)
    evaluate_gate(deliverable, loaded.config.gate, None, loaded.config.contact_numbers, [])   # gate.md, as prepare-data writes it
    with Workspace("loop").new_folder("production") as staging:   # the production flow's record of this import
        write_production_record(staging, read_deliverable_ref(deliverable), deliverable, run,
                                json.loads((run / "summary.json").read_text()))
    monkeypatch.setenv("STX_TEST_KAYAKO_API", API_KEY)
    monkeypatch.setenv("STX_TEST_KAYAKO_SECRET", SECRET_KEY)
    url, stop = start_kayako_classic()
    try:
        config = yaml.safe_load((project / "project.yaml").read_text())
        config["ticket"] = {"kind": "kayako-classic", "base_url": url, "ticket_id": "901", "staff": "VN Team",
                            "api_key": "${env:STX_TEST_KAYAKO_API}", "secret_key": "${env:STX_TEST_KAYAKO_SECRET}"}
        (project / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        (tmp_path / "log.csv").write_text("Ligne;Statut;Message\n5;OK;\n6;ERREUR;Adresse e-mail déjà utilisée\n",
                                          encoding="cp1252")
        assert main(["import-log", "--project", str(project), "--env", "drop", str(tmp_path / "log.csv")]) == 0
    finally:
        stop()
    posted = [(r["e"], r["fields"]) for r in KayakoClassic.received if r["method"] == "POST"]
    assert [e for e, _ in posted] == ["/Tickets/TicketPost", "/Tickets/TicketAttachment", "/Tickets/TicketAttachment"]
    assert posted[0][1]["contents"] == (
        f"SecuTix's log of deliverable {deliverable.name} on drop: 1 imported (0 with a warning), 1 refused, 1 not in "
        "the log; 5 of 6 source rows not imported (not_imported.csv); the complete list attached")
    (production,) = Workspace("loop").kind_dir("production").iterdir()
    attached = {fields["filename"]: base64.b64decode(fields["contents"]) for _, fields in posted[1:]}
    assert attached == {"not_imported.csv": (production / "not_imported.csv").read_bytes(),
                        "gate.md": (deliverable / "gate.md").read_bytes()}
    assert b"SECUTIX_REFUSED" in attached["not_imported.csv"] and b"SECUTIX_NOT_IN_LOG" in attached["not_imported.csv"]
