"""Services on a file-drop or sftp environment: the request file SecuTix's service team runs, delivered once."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from delivery_helpers import customer_frame, make_project, sftp_environment

from stx_migrate.cli.main import main
from stx_migrate.migration.secutix_file import read_secutix_file, write_secutix_file

pytestmark = pytest.mark.prefect


def _last_line(capsys) -> Path:
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture()
def project(tmp_path, workspace_home, prefect_api):
    return make_project(tmp_path / "p", {"drop": {"kind": "file-drop", "path": "drop"},
                                         "prod": {"kind": "file-drop", "path": "prod-drop"}})


def _updates(path, with_criteria=False):
    frame = customer_frame([("1001", "Jean", "DUPONT", "jean@example.org"), ("", "Anne", "Favre", ""),
                            ("1005", "Zoë", "Müller", "")])
    frame["OPERATION"] = "UPDATE"
    if with_criteria:
        frame["CRIT01"] = ["PREFCOL=Red", "PREFCOL=Blue", "PREFCOL=Red|Green"]
    write_secutix_file(frame, path)
    return path


def test_an_update_becomes_checked_template_rows_delivered_like_an_import(project, tmp_path, capsys):
    assert main(["service", "update", "--project", str(project), "--env", "drop", "--file",
                 str(_updates(tmp_path / "updates.xlsx"))]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    assert (summary["rows_in"], summary["valid"], summary["rejected"]) == (3, 2, 1)
    assert summary["reasons"] == {"CONTACT_NR_MISSING_ON_UPDATE": 1} and summary["delivered_now"] is True
    request = read_secutix_file(project / "drop" / summary["request_file"]).frame
    assert list(request["CONTACT_NR"]) == ["1001", "1005"] and set(request["OPERATION"]) == {"UPDATE"}
    assert list(request["LASTNAME"]) == ["DUPONT", "Müller"]
    manifest = json.loads((project / "drop" / f"{summary['service_id']}-manifest.json").read_text())
    assert manifest["rows"] == 2 and manifest["format"] == "template rows"


def test_a_qualification_changes_nothing_but_the_criteria(project, tmp_path, capsys):
    assert main(["service", "qualify-contacts", "--project", str(project), "--env", "drop", "--file",
                 str(_updates(tmp_path / "crit.xlsx", with_criteria=True))]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    request = read_secutix_file(project / "drop" / summary["request_file"]).frame
    assert list(request["CRIT01"]) == ["PREFCOL=Red", "PREFCOL=Red|Green"]
    filled = {c for c in request.columns if (request[c] != "").any()}
    assert filled == {"INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR", "CRIT01"}


def test_a_delete_is_a_list_of_contact_numbers_sent_once_and_guarded_on_production(project, tmp_path, capsys):
    numbers = tmp_path / "delete.txt"
    numbers.write_text("CONTACT_NR\n1001\n1002\n1001\n")
    assert main(["service", "delete", "--project", str(project), "--env", "drop", "--file", str(numbers)]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    assert (summary["valid"], summary["reasons"]) == (2, {"CONTACT_NR_DUPLICATE": 1})
    sent = project / "drop" / summary["request_file"]
    assert sent.read_bytes() == b"CONTACT_NR\r\n1001\r\n1002\r\n"
    sent.unlink()   # SecuTix's team took it; the same file again is not sent again
    assert main(["service", "delete", "--project", str(project), "--env", "drop", "--file", str(numbers)]) == 0
    assert json.loads((_last_line(capsys) / "summary.json").read_text())["delivered_now"] is False
    assert not sent.exists()
    assert main(["service", "delete", "--project", str(project), "--env", "prod", "--file", str(numbers)]) == 1
    assert not (project / "prod-drop").exists()


def test_update_by_email_is_the_customers_sam_route_not_a_request(project, tmp_path, capsys):
    assert main(["service", "update-by-email", "--project", str(project), "--env", "drop", "--file",
                 str(_updates(tmp_path / "u.xlsx"))]) == 2
    assert "sam-file" in capsys.readouterr().err


def test_a_request_goes_over_sftp_too(project, tmp_path, capsys, sftp_server, monkeypatch):
    import yaml

    monkeypatch.setenv("STX_TEST_SFTP_KEY", sftp_server.client_key)
    config = yaml.safe_load((project / "project.yaml").read_text())
    config["environments"]["stx"] = sftp_environment(sftp_server, file="xlsx")
    (project / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    for path in sftp_server.drop.iterdir():
        path.unlink()
    assert main(["service", "update", "--project", str(project), "--env", "stx", "--file",
                 str(_updates(tmp_path / "updates.xlsx"))]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    assert sorted(p.name for p in sftp_server.drop.iterdir()) == [f"{summary['service_id']}-manifest.json",
                                                                  summary["request_file"]]
    assert len(pd.read_excel(sftp_server.drop / summary["request_file"], header=None, engine="calamine")) == 4 + 2
