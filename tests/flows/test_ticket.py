"""The ticket against a local HTTP server that checks what it receives (no Prefect needed)."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from stx_migrate.connectors.ticket import JournalTicket, KayakoTicket, open_ticket
from stx_migrate.migration.errors import ConfigError, SourceUnavailable
from stx_migrate.migration.settings.procedure import TicketSettings

KEY = "kk-Secret-4711-api-key"


class FakeKayako(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_with: int | None = None

    def _handle(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        FakeKayako.received.append({"method": self.command, "path": self.path,
                                    "auth": self.headers.get("Authorization"), "body": body})
        code = FakeKayako.fail_with or (201 if self.command == "POST" else 200)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": 200}')

    do_POST = do_PUT = _handle

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture()
def kayako():
    FakeKayako.received, FakeKayako.fail_with = [], None
    server = HTTPServer(("127.0.0.1", 0), FakeKayako)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def settings(url, **more):
    return TicketSettings(kind="kayako", base_url=url, ticket_id="4242", api_key="${env:STX_TEST_KAYAKO_KEY}",
                          leader_agent_id="17", statuses={"final_validation": "5", "solved": "3"}, **more)


def test_kayako_receives_notes_status_and_owner(kayako, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("STX_TEST_KAYAKO_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    ticket = open_ticket(settings(kayako), tmp_path)
    assert isinstance(ticket, KayakoTicket)
    ticket.add_note("production import done: 118 imported, 7 not imported")
    ticket.set_status("final validation")
    ticket.set_owner("Léa Martin")
    assert [(r["method"], r["path"]) for r in FakeKayako.received] == [
        ("POST", "/api/v1/cases/4242/notes.json"), ("PUT", "/api/v1/cases/4242.json"), ("PUT", "/api/v1/cases/4242.json")]
    assert all(r["auth"] == f"Bearer {KEY}" for r in FakeKayako.received)
    assert FakeKayako.received[0]["body"] == {"contents": "production import done: 118 imported, 7 not imported"}
    assert FakeKayako.received[1]["body"] == {"status_id": "5"}
    assert FakeKayako.received[2]["body"] == {"assigned_agent_id": "17"}
    journal = (tmp_path / "ticket.jsonl").read_text()
    assert KEY not in journal and KEY not in caplog.text
    assert [e["action"] for e in JournalTicket(tmp_path).entries()] == ["note", "status", "owner"]


def test_kayako_errors_name_the_action_never_the_key(kayako, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("STX_TEST_KAYAKO_KEY", KEY)
    FakeKayako.fail_with = 403
    ticket = open_ticket(settings(kayako), tmp_path)
    with pytest.raises(SourceUnavailable) as err:
        ticket.set_status("solved")
    assert "HTTP 403" in str(err.value) and "set status" in str(err.value) and KEY not in str(err.value)
    assert err.value.retriable
    unreachable = open_ticket(settings("http://127.0.0.1:9"), tmp_path)
    with pytest.raises(SourceUnavailable) as err:
        unreachable.add_note("x")
    assert KEY not in str(err.value) and KEY not in repr(err.value.__cause__) and KEY not in caplog.text
    assert not (tmp_path / "ticket.jsonl").exists()   # nothing recorded as sent when it was not


def test_configuration_refuses_a_literal_key_and_an_unset_variable(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="reference"):
        TicketSettings(kind="kayako", base_url="http://x", ticket_id="1", api_key=KEY)
    with pytest.raises(ValueError, match="needs"):
        TicketSettings(kind="kayako", base_url="http://x")
    monkeypatch.delenv("STX_TEST_KAYAKO_KEY", raising=False)
    with pytest.raises(ConfigError, match="STX_TEST_KAYAKO_KEY"):
        open_ticket(settings("http://x"), tmp_path)


def test_journal_is_the_default(tmp_path):
    ticket = open_ticket(TicketSettings(), tmp_path)
    ticket.set_status("solved")
    assert JournalTicket(tmp_path).entries()[0]["value"] == "solved"


def test_final_validation_closes_the_kayako_ticket(prefect_api, demo_project, kayako, monkeypatch):
    """The flow talks to Kayako: a note and status 'solved'; the key is in no stored log."""
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from stx_migrate.flows.procedure import final_validation
    from stx_migrate.migration.procedure import Event, record_event
    from stx_migrate.migration.workspace import Workspace

    monkeypatch.setenv("STX_TEST_KAYAKO_KEY", KEY)
    project_file = demo_project / "project.yaml"
    project_file.write_text(project_file.read_text() + (
        f"ticket:\n  kind: kayako\n  base_url: {kayako}\n  ticket_id: '4242'\n"
        "  api_key: ${env:STX_TEST_KAYAKO_KEY}\n  statuses: {final_validation: '5', solved: '3'}\n"))
    assert final_validation(str(demo_project), return_state=True).is_failed()   # no production yet
    assert [r["body"] for r in FakeKayako.received] == [{"contents": FakeKayako.received[0]["body"]["contents"]}]
    assert "refused" in FakeKayako.received[0]["body"]["contents"]
    record_event(Workspace("demo-theatre").procedure_dir, Event(kind="import", env="prod", deliverable_id="D"))
    state = final_validation(str(demo_project), "Léa Martin", return_state=True)
    assert state.is_completed()
    assert [(r["method"], r["body"]) for r in FakeKayako.received[1:]] == [
        ("POST", {"contents": "final validation by Léa Martin: migration closed"}), ("PUT", {"status_id": "3"})]
    with get_client(sync_client=True) as client:
        time.sleep(2)   # the API log handler ships batches in the background
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert KEY not in "\n".join(log.message for log in logs) and KEY not in str(run.parameters)
