"""``stx-migrate export``: an environment's contacts with their numbers, template layout, as UPDATE rows."""
from __future__ import annotations

from pathlib import Path

import pytest
from delivery_helpers import customer_frame, make_deliverable, make_project

from stx_migrate.cli.main import main
from stx_migrate.connectors.environments import SqlEnvironment, seed_environment
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.reference import ReferenceData
from stx_migrate.migration.secutix_file import read_secutix_file, write_secutix_file
from stx_migrate.migration.settings import load_project


@pytest.fixture()
def project(tmp_path, workspace_home):
    folder = make_project(tmp_path / "p", {"dev": {"kind": "sql", "url": "sqlite:///envs/dev.sqlite"},
                                           "drop": {"kind": "file-drop", "path": "drop"}})
    deliverable = Deliverable(make_deliverable(folder))
    loaded = load_project(folder)
    seed_environment(loaded, "dev", ReferenceData())
    SqlEnvironment(loaded, "dev").import_contacts(deliverable.contacts(), run_id="r1", deliverable_id=deliverable.id)
    return folder


def test_export_from_a_store_gives_update_rows_that_a_service_update_accepts(project, tmp_path, capsys):
    out = tmp_path / "export.xlsx"
    assert main(["export", "--project", str(project), "--env", "dev", "--out", str(out)]) == 0
    assert Path(capsys.readouterr().out.strip().splitlines()[-1]) == out.resolve()
    frame = read_secutix_file(out).frame
    assert list(frame["CONTACT_NR"]) == ["1001", "1002", "1005"] and set(frame["OPERATION"]) == {"UPDATE"}
    assert list(frame["LASTNAME"]) == ["Dupont", "Müller", "Favre"]
    assert main(["validate", str(out), "--out", str(tmp_path / "report")]) == 0


def test_export_from_a_secutix_export_file_and_refusals(project, tmp_path, capsys):
    secutix = tmp_path / "secutix-export.csv"
    write_secutix_file(customer_frame()[lambda f: f["CONTACT_NR"] != "1003"], secutix)
    out = tmp_path / "export.csv"
    assert main(["export", "--project", str(project), "--env", "drop", "--from", str(secutix), "--out", str(out)]) == 0
    assert list(read_secutix_file(out).frame["CONTACT_NR"]) == ["1001", "1002", "1004", "1005"]
    assert main(["export", "--project", str(project), "--env", "drop", "--out", str(out)]) == 2
    assert "give SecuTix's export file with --from" in capsys.readouterr().err
    write_secutix_file(customer_frame().assign(CONTACT_NR=["1", "", "3", "4", "5"]), secutix)
    assert main(["export", "--project", str(project), "--env", "drop", "--from", str(secutix), "--out", str(out)]) == 2
    assert "without a contact number" in capsys.readouterr().err


def test_sam_file_keys_by_email_in_the_columns_of_the_customers_sam_template(project, tmp_path, capsys):
    import pandas as pd

    contacts = tmp_path / "contacts.csv"
    write_secutix_file(customer_frame().assign(CRIT01="PREFCOL=Red", CNIL_O="TRUE"), contacts)
    template = tmp_path / "sam-template.csv"
    template.write_text("E-mail;Prénom;Nom;Code postal;Ville;Lieblingsfarbe\n", encoding="utf-8")
    out = tmp_path / "sam.csv"
    assert main(["sam-file", "--project", str(project), "--from", str(contacts), "--template", str(template),
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Lieblingsfarbe" in err   # a template column no SecuTix column fills is named, written empty
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == ["E-mail", "Prénom", "Nom", "Code postal", "Ville", "Lieblingsfarbe"]
    assert written[["E-mail", "Nom"]].values.tolist() == [["jean.dupont@example.org", "Dupont"],
                                                          ["zoe@example.org", "Müller"]]
    skipped = pd.read_csv(tmp_path / "sam-skipped.csv", dtype=str)
    assert skipped["code"].value_counts().to_dict() == {"SAM_EMAIL_MISSING": 2, "SAM_EMAIL_DUPLICATE": 1}
    assert main(["sam-file", "--project", str(project), "--from", str(contacts), "--out", str(out)]) == 0
    default = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(default.columns[:3]) == ["EMAIL1", "FIRSTNAME", "LASTNAME"] and "CNIL_O" in default and "CRIT01" in default
