"""`stx-migrate env setup`: an emulated environment from the project's reference.yaml, or copied from prod (step 11)."""
from __future__ import annotations

import pytest

from stx_migrate.cli.main import main
from stx_migrate.connectors.env_setup import compare_environments, read_environment_setup, setup_environment
from stx_migrate.migration.settings.project import load_project
from stx_migrate.migration.store import open_store

PROJECT = """\
name: lac
institution: LAC
organization: LACORG
country: CH
language: de
j_date: 2027-03-01
source: {kind: csv, datasets: {clients: {file: clients.csv}}}
environments:
  preprod: {kind: sql, url: "sqlite:///envs/preprod.sqlite"}
  prod: {kind: sql, url: "sqlite:///envs/prod.sqlite"}
  drop: {kind: file-drop, path: dropbox}
"""
REFERENCE = """\
titles: [MR, MRS, UNDEFINED]
languages: [fr, de]
structure_types: [COMPANY]
criteria:
  GENRE: {contact_type: individual, elements: [OPERA, JAZZ]}
"""


@pytest.fixture()
def project(tmp_path, workspace_home):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "project.yaml").write_text(PROJECT, encoding="utf-8")
    (folder / "reference.yaml").write_text(REFERENCE, encoding="utf-8")
    return folder


def test_setup_from_reference_yaml_then_copy_prod_into_preprod(project, capsys):
    assert main(["env", "setup", "--project", str(project), "--env", "prod"]) == 0
    loaded = load_project(project)
    prod = read_environment_setup(loaded, "prod")
    assert prod.institutions == {"LAC": ("CH", "de")} and prod.organizations == {"LACORG"}
    assert prod.reference.titles == {"MR", "MRS", "UNDEFINED"} and prod.reference.criteria["GENRE"].elements == {"OPERA", "JAZZ"}
    # preprod before the copy: everything prod holds is reported missing, kind by kind
    missing = compare_environments(loaded, "preprod", "prod")
    assert missing[0] == "preprod lacks 1 institution(s) that prod holds: LAC"
    assert any(line.startswith("preprod lacks 2 languages") for line in missing)
    assert any(line == "preprod lacks 1 criteria that prod holds: GENRE" for line in missing)
    assert main(["env", "setup", "--project", str(project), "--env", "preprod", "--from", "prod"]) == 0
    assert "preprod: set up from prod" in capsys.readouterr().err
    assert compare_environments(loaded, "preprod", "prod") == []
    # prod gains an element later: the comparison names it; a second copy adds it, and only it
    store = open_store(f"sqlite:///{project / 'envs' / 'prod.sqlite'}")
    from sqlalchemy import text

    with store.transaction() as c:
        c.execute(text("INSERT INTO criterion_element (id, criterion_id, code) VALUES (99, "
                       "(SELECT id FROM criterion WHERE code = 'GENRE'), 'DANCE')"))
    store.dispose()
    assert compare_environments(loaded, "preprod", "prod") == [
        "preprod lacks 1 criterion elements that prod holds: GENRE/DANCE"]
    result = setup_environment(loaded, "preprod", "prod")
    assert result["missing"] == [] and result["holds"]["criterion elements"] == 3
    setup_environment(loaded, "preprod", "prod")
    assert read_environment_setup(loaded, "preprod") == read_environment_setup(loaded, "prod")


def test_refusals_are_configuration_errors(project, capsys):
    assert main(["env", "setup", "--project", str(project), "--env", "preprod", "--from", "prod"]) == 2
    assert "environment prod does not exist yet: set it up first" in capsys.readouterr().err
    assert main(["env", "setup", "--project", str(project), "--env", "drop"]) == 2
    assert "environments › drop › kind: file-drop cannot be set up from here (allowed: sql" in capsys.readouterr().err
    assert main(["env", "setup", "--project", str(project), "--env", "nowhere"]) == 2
    assert "not declared (allowed: preprod, prod, drop)" in capsys.readouterr().err
    (project / "reference.yaml").unlink()
    assert main(["env", "setup", "--project", str(project), "--env", "prod"]) == 2
    assert "reference.yaml: file not found" in capsys.readouterr().err
