"""The command line under careless use: documented exit codes, one clear line, no traceback on the terminal."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from stx_migrate.cli.main import main
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.flows.procedure import CustomerDecision
from stx_migrate.migration.settings import load_project


def one_clear_line(err: str) -> str:
    """The command's own message: exactly one ``stx-migrate:`` line, and no traceback anywhere."""
    assert "Traceback" not in err, err
    mine = [line for line in err.splitlines() if line.startswith("stx-migrate:")]
    assert len(mine) == 1, err
    return mine[0]


def test_an_unexpected_failure_exits_3_with_the_log_file_holding_the_traceback(tmp_path, workspace_home, monkeypatch, capsys):
    import stx_migrate.migration.secutix_file as secutix_file

    def broken(*args, **kwargs):
        raise KeyError(0)   # what the gate raised on a project without criteria

    monkeypatch.setattr(secutix_file, "write_template", broken)
    code = main(["template", str(tmp_path / "t.csv")])
    line = one_clear_line(capsys.readouterr().err)
    assert code == 3
    log = Path(re.search(r"the traceback is in (\S+)", line).group(1))
    assert log.parent == workspace_home / "logs" and "Traceback" in log.read_text() and "KeyError: 0" in log.read_text()


def test_usage_errors_exit_2(capsys):
    assert main(["prepare", "--project", "/no/such/folder"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("by", ["", "   "])
def test_decide_with_a_blank_validator_exits_2(tmp_path, by, capsys):
    from stx_migrate.config.demo_data import materialise_demo_project

    project = materialise_demo_project(tmp_path / "p", rows=20)
    assert main(["decide", "--project", str(project), "--approve", "--by", by]) == 2
    assert "--by: the validator's name is required" in one_clear_line(capsys.readouterr().err)


def test_the_resume_form_requires_a_non_blank_validator_and_trims():
    form = CustomerDecision.with_initial_data(description="x")
    schema = form.model_json_schema()
    assert "by" in schema["required"] and schema["properties"]["by"]["minLength"] == 1
    assert schema["properties"]["by"]["pattern"] == r"\S"
    with pytest.raises(ValueError):
        form(approved=True, by="   ")
    answer = form(approved=True, by="  Claire  ", comment=" fine ")
    assert (answer.by, answer.comment) == ("Claire", "fine")


@pytest.fixture()
def small_project(tmp_path, workspace_home):
    from stx_migrate.config.demo_data import materialise_demo_project

    return materialise_demo_project(tmp_path / "demo", rows=60)


@pytest.mark.prefect
def test_a_protocol_without_criteria_is_gated_not_crashed(small_project, workspace_home, prefect_api, capsys):
    protocol = small_project / "protocol.yaml"
    text = protocol.read_text(encoding="utf-8")
    protocol.write_text(text[:text.index("  CRIT01:")], encoding="utf-8")
    receive_snapshot(load_project(small_project))
    code = main(["prepare", "--project", str(small_project)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    folder = Path(captured.out.strip().splitlines()[-1])
    gate = json.loads((folder / "gate.json").read_text())
    assert code == (0 if gate["passed"] else 1)
    assert not any(c["name"].startswith("criteria") and not c["passed"] for c in gate["checks"])


@pytest.mark.prefect
@pytest.mark.parametrize("statement", ["DELETE FROM CLIENT", "UPDATE CLIENT SET STATUT = 'SUPPRIME'"])
def test_zero_rows_give_a_deliverable_with_no_contacts_that_the_gate_refuses(small_project, workspace_home, prefect_api,
                                                                               capsys, statement):
    with sqlite3.connect(small_project / "data" / "legacy.sqlite") as db:
        db.execute(statement)
    receive_snapshot(load_project(small_project))
    code = main(["prepare", "--project", str(small_project)])
    captured = capsys.readouterr()
    assert code == 1
    assert "stx-migrate: quality gate refused: " in one_clear_line(captured.err) and "no contacts" in captured.err
    folder = Path(captured.out.strip().splitlines()[-1])
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["valid"] == 0 and json.loads((folder / "gate.json").read_text())["passed"] is False


@pytest.mark.parametrize("argv", [["import", "--bogus"], ["no-such-command"], ["import", "--project", "/no/such/folder", "--env", "dev"]])
def test_a_mistyped_command_line_is_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stx-migrate: ") and "--help" in err[0]
