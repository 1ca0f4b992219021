"""``stx-migrate import`` into an sftp environment, against real OpenSSH servers on loopback."""
from __future__ import annotations

import json
import logging

import pytest
from delivery_helpers import make_deliverable, make_project, sftp_environment

from stx_migrate.cli.main import main
from stx_migrate.migration.delivery import read_ledger
from stx_migrate.migration.workspace import Workspace

pytestmark = pytest.mark.prefect


def _last_line(capsys):
    from pathlib import Path

    return Path(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture()
def key_in_env(sftp_server, monkeypatch):
    monkeypatch.setenv("STX_TEST_SFTP_KEY", sftp_server.client_key)


def _clear(server):
    for path in server.drop.iterdir():
        path.unlink()


def test_the_import_file_and_manifest_arrive_checked_then_renamed_and_a_rerun_sends_nothing(
        tmp_path, workspace_home, prefect_api, sftp_server, key_in_env, capsys):
    _clear(sftp_server)
    project = make_project(tmp_path / "p", {"stx": sftp_environment(sftp_server, file="xlsx")})
    deliverable = make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "stx"]) == 0
    summary = json.loads((_last_line(capsys) / "summary.json").read_text())
    names = sorted(p.name for p in sftp_server.drop.iterdir())
    assert names == [f"{deliverable.name}-contacts.xlsx", f"{deliverable.name}-manifest.json"]
    assert (sftp_server.drop / names[0]).read_bytes() == (deliverable / "contacts.xlsx").read_bytes()
    assert (sftp_server.drop / names[1]).read_bytes() == (deliverable / "manifest.json").read_bytes()
    assert summary["secutix_status"] == "delivered, awaiting SecuTix's log" and summary["delivered_now"] is True
    assert summary["handed_over"] == 3 and summary["imported"] == 0
    (delivery,) = read_ledger(Workspace("loop").procedure_dir)
    assert [f.checked for f in delivery.files] == ["remote sha256sum", "remote sha256sum"]
    # SecuTix's importer takes the files away; a re-run must not send them again
    _clear(sftp_server)
    assert main(["import", "--project", str(project), "--env", "stx"]) == 0
    again = json.loads((_last_line(capsys) / "summary.json").read_text())
    assert again["delivered_now"] is False and again["delivered_at"] == delivery.delivered_at
    assert list(sftp_server.drop.iterdir()) == []
    assert len(read_ledger(Workspace("loop").procedure_dir)) == 1


def test_a_server_that_runs_no_command_gets_its_upload_read_back(tmp_path, workspace_home, prefect_api,
                                                                 sftp_only_server, monkeypatch, capsys):
    monkeypatch.setenv("STX_TEST_SFTP_KEY", sftp_only_server.client_key)
    project = make_project(tmp_path / "p", {"stx2": sftp_environment(sftp_only_server)})
    deliverable = make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "stx2"]) == 0
    (delivery,) = read_ledger(Workspace("loop").procedure_dir)
    assert [f.checked for f in delivery.files] == ["read back", "read back"]
    arrived = sftp_only_server.drop / f"{deliverable.name}-contacts.csv"
    assert arrived.read_bytes() == (deliverable / "contacts.csv").read_bytes()
    assert not [p for p in sftp_only_server.drop.iterdir() if p.name.endswith(".part")]


def test_an_unknown_host_key_is_refused_and_nothing_is_sent(tmp_path, workspace_home, prefect_api, sftp_server,
                                                             key_in_env, capsys):
    _clear(sftp_server)
    other = tmp_path / "known_hosts"
    other.write_text(f"[127.0.0.1]:{sftp_server.port} ssh-ed25519 "
                     "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    project = make_project(tmp_path / "p", {"stx": {**sftp_environment(sftp_server), "known_hosts": str(other)}})
    make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "stx"]) == 2
    assert "differs from the one in known_hosts" in capsys.readouterr().err
    assert list(sftp_server.drop.iterdir()) == []
    assert read_ledger(Workspace("loop").procedure_dir) == []


def test_credentials_never_reach_a_message_a_log_or_a_file(tmp_path, workspace_home, prefect_api, sftp_server,
                                                          monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    password = "Pl4nted-Secret-Pw!"
    monkeypatch.setenv("STX_TEST_SFTP_PASSWORD", password)
    monkeypatch.setenv("STX_TEST_SFTP_KEY", sftp_server.client_key)
    env = sftp_environment(sftp_server)
    wrong = {**{k: v for k, v in env.items() if k != "key"}, "password": "${env:STX_TEST_SFTP_PASSWORD}"}
    project = make_project(tmp_path / "p", {"wrong": wrong, "good": env})
    make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "wrong"]) == 2
    assert main(["import", "--project", str(project), "--env", "good"]) == 0
    captured = capsys.readouterr()
    key_body = "".join(sftp_server.client_key.splitlines()[1:-1])[:40]
    texts = [captured.out, captured.err, caplog.text]
    texts += [p.read_text(errors="replace") for p in workspace_home.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    for text in texts:
        assert password not in text and key_body not in text
    assert "authentication refused" in captured.err


def test_a_password_login_delivers_and_the_password_reaches_no_log(tmp_path, workspace_home, prefect_api,
                                                                    sftp_password_server, info_logs_to_the_api,
                                                                    monkeypatch, capsys, caplog):
    """The password given as an ${env:…} reference logs in (sshd says which method it accepted) and
    appears in no message, log line (here and in the Prefect API), artifact, run record or file."""
    from api_reads import everything_prefect_stored

    caplog.set_level(logging.DEBUG)
    server = sftp_password_server
    _clear(server)
    monkeypatch.setenv("STX_TEST_SFTP_PASSWORD", server.password)
    by_password = {**{k: v for k, v in sftp_environment(server).items() if k != "key"},
                   "password": "${env:STX_TEST_SFTP_PASSWORD}"}
    project = make_project(tmp_path / "p", {"stx": by_password})
    deliverable = make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "stx"]) == 0
    captured = capsys.readouterr()
    arrived = server.drop / f"{deliverable.name}-contacts.csv"
    assert arrived.read_bytes() == (deliverable / "contacts.csv").read_bytes()
    (delivery,) = read_ledger(Workspace("loop").procedure_dir)
    assert delivery.kind == "sftp" and delivery.target == f"{server.user}@{server.host}:{server.port}/{server.drop}"
    assert f"Accepted password for {server.user}" in server.log_text()
    assert "Accepted publickey" not in server.log_text()
    texts = [captured.out, captured.err, caplog.text, everything_prefect_stored(must_hold="sftp stx: delivered")]
    texts += [p.read_text(errors="replace") for p in workspace_home.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    texts += [p.read_text(errors="replace") for p in project.rglob("*") if p.suffix in (".yaml", ".json", ".md", ".csv")]
    assert len(texts) > 10
    for text in texts:
        assert server.password not in text
