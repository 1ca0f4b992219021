"""Kayako Classic against a local server that verifies each request's signature and parses its body."""
from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from kayako_classic_server import API_KEY, SECRET_KEY, KayakoClassic, with_kayako_classic

from stx_migrate.connectors.kayako_classic import sign
from stx_migrate.connectors.ticket import JournalTicket, open_ticket
from stx_migrate.migration.errors import SourceUnavailable
from stx_migrate.migration.settings.procedure import TicketSettings


def settings(url, **more):
    base = dict(kind="kayako-classic", base_url=url, api_key="${env:STX_TEST_KAYAKO_API}",
                secret_key="${env:STX_TEST_KAYAKO_SECRET}", department="Data import", type="Migration",
                priority="Normal", staff="VN Team", leader_agent_id="Léa Martin", requester_name="Théâtre du Lac",
                requester_email="pl@example.org", statuses={"final_validation": "Final validation", "solved": "3"})
    return TicketSettings(**{**base, **more})


def test_the_signature_is_base64_hmac_sha256_of_the_salt():
    # echo -n salt | openssl dgst -sha256 -hmac key -binary | base64
    assert sign("key", "salt") == "B8JlFGhcCS4SG6DGU1JyYo4bNF8qGpTD44SXYtYZACo="


def test_opens_the_ticket_notes_attaches_and_hands_over_with_ids_looked_up_by_title(helpdesk, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    ticket = open_ticket(settings(helpdesk), tmp_path)
    ticket.add_note("data received (J-14): snapshot S1, 600 rows")
    (tmp_path / "not_imported.csv").write_text("source_ref,stage,code\nclients:3,prepare,NAME_MISSING\n")
    (tmp_path / "gate.md").write_text("# Gate: passed\n")
    ticket.attach([tmp_path / "not_imported.csv", tmp_path / "gate.md"], "production done: 2 rows not imported")
    ticket.set_status("final validation")
    ticket.set_owner("project leader")
    sent = [(r["method"], r["e"]) for r in KayakoClassic.received if r["method"] != "GET"]
    assert sent == [("POST", "/Tickets/Ticket"), ("POST", "/Tickets/TicketNote"), ("POST", "/Tickets/TicketPost"),
                    ("POST", "/Tickets/TicketAttachment"), ("POST", "/Tickets/TicketAttachment"),
                    ("PUT", "/Tickets/Ticket/901"), ("PUT", "/Tickets/Ticket/901")]
    posted = [r["fields"] for r in KayakoClassic.received if r["method"] != "GET"]
    assert {k: posted[0][k] for k in ("departmentid", "tickettypeid", "ticketpriorityid", "staffid", "email")} == {
        "departmentid": "4", "tickettypeid": "2", "ticketpriorityid": "1", "staffid": "8", "email": "pl@example.org"}
    assert posted[1] == {"ticketid": "901", "contents": "data received (J-14): snapshot S1, 600 rows", "staffid": "8"}
    assert (posted[3]["ticketpostid"], posted[3]["filename"]) == ("55", "not_imported.csv")
    assert base64.b64decode(posted[3]["contents"]) == (tmp_path / "not_imported.csv").read_bytes()
    assert base64.b64decode(posted[4]["contents"]) == b"# Gate: passed\n"
    assert posted[5] == {"ticketstatusid": "5"} and posted[6] == {"ownerstaffid": "17"}
    # each list was read once, whatever the number of look-ups
    gets = [r["e"] for r in KayakoClassic.received if r["method"] == "GET"]
    assert sorted(gets) == sorted(set(gets))
    # the created id is kept: a later ticket object talks to the same ticket, opens none
    again = open_ticket(settings(helpdesk), tmp_path)
    again.set_status("solved")
    assert KayakoClassic.received[-1]["e"] == "/Tickets/Ticket/901"
    assert [r["e"] for r in KayakoClassic.received].count("/Tickets/Ticket") == 1
    journal = (tmp_path / "ticket.jsonl").read_text()
    assert [e["action"] for e in JournalTicket(tmp_path).entries()][:3] == ["opened", "note", "attachment"]
    for secret in (API_KEY, SECRET_KEY):
        assert secret not in journal and secret not in caplog.text


def test_a_wrong_secret_key_is_refused_by_the_server_and_never_shown(helpdesk, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("STX_TEST_KAYAKO_SECRET", "not-the-secret")
    ticket = open_ticket(settings(helpdesk, ticket_id="901"), tmp_path)
    with pytest.raises(SourceUnavailable) as err:
        ticket.add_note("x")
    assert "HTTP 401" in str(err.value) and "not-the-secret" not in str(err.value) + caplog.text
    assert KayakoClassic.received == [] and not (tmp_path / "ticket.jsonl").exists()


def test_an_unknown_title_names_the_known_ones(helpdesk, tmp_path):
    from stx_migrate.migration.errors import ConfigError

    ticket = open_ticket(settings(helpdesk, ticket_id="901"), tmp_path)
    with pytest.raises(ConfigError, match="no Kayako status titled 'Closed' .*Final validation, Open, Solved"):
        ticket.set_status("Closed")


def test_settings_want_references_and_a_department_to_open_a_ticket():
    with pytest.raises(ValueError, match="reference"):
        TicketSettings(kind="kayako-classic", base_url="http://x", api_key="${env:A}", secret_key=SECRET_KEY, ticket_id="1")
    with pytest.raises(ValueError, match="needs department"):
        TicketSettings(kind="kayako-classic", base_url="http://x", api_key="${env:A}", secret_key="${env:B}")
    assert json.loads(TicketSettings().model_dump_json())["kind"] == "journal"


@pytest.mark.prefect
def test_receive_opens_the_data_import_ticket_at_j_14(prefect_api, demo_project, helpdesk):
    from stx_migrate.flows.receive import receive_data

    with_kayako_classic(demo_project, helpdesk)
    snapshot_id = receive_data(str(demo_project))
    sent = [(r["method"], r["e"], r["fields"].get("contents", "")) for r in KayakoClassic.received if r["method"] == "POST"]
    assert [s[:2] for s in sent] == [("POST", "/Tickets/Ticket"), ("POST", "/Tickets/TicketNote")]
    assert sent[1][2] == f"data received (J-14 milestone): snapshot {snapshot_id}"


def _notes() -> list[str]:
    return [r["fields"]["contents"] for r in KayakoClassic.received if (r["method"], r["e"]) == ("POST", "/Tickets/TicketNote")]


@pytest.mark.prefect
def test_the_ticket_hears_of_each_deliverable_its_gate_and_each_import(prefect_api, demo_project, helpdesk):
    """prepare-data notes the deliverable's counts and the gate's verdict, passed or refused; an import its counts."""
    from stx_migrate.flows.imports import import_dev
    from stx_migrate.flows.prepare import prepare_data
    from stx_migrate.flows.receive import receive_data
    from stx_migrate.migration.summary import read_summary
    from stx_migrate.migration.workspace import Workspace

    project_file = demo_project / "project.yaml"
    with_kayako_classic(demo_project, helpdesk)
    receive_data(str(demo_project))
    passed = prepare_data(str(demo_project))
    counts = read_summary(Workspace("demo-theatre").path("deliverables", passed) / "summary.json")
    assert counts.valid > 0 and counts.merged > 0
    assert _notes()[-1] == (f"deliverable {passed} prepared: rows_in {counts.rows_in}, valid {counts.valid}, rejected "
                            f"{counts.rejected}, merged {counts.merged}, dropped {counts.dropped}; quality gate passed")
    folder = import_dev(str(demo_project), "preprod", passed)
    imported = read_summary(Path(folder) / "summary.json")
    assert _notes()[-1] == (f"import of deliverable {passed} into preprod done (rows_in {imported.rows_in}, imported "
                            f"{imported.imported}, updated 0, unchanged 0, not_imported {imported.not_imported})")
    project_file.write_text(project_file.read_text().replace("COUNTRY: 0.90}", "COUNTRY: 0.90, FAX: 1.0}"))
    state = prepare_data(str(demo_project), return_state=True)
    assert state.is_failed()
    refused = Workspace("demo-theatre").latest("deliverables")
    assert refused != passed
    assert _notes()[-1].startswith(f"deliverable {refused} prepared: rows_in {counts.rows_in}, ")
    assert "; quality gate REFUSED: fill rate FAX" in _notes()[-1]
    assert [r["e"] for r in KayakoClassic.received].count("/Tickets/Ticket") == 1   # one ticket, opened at J-14
    assert len(_notes()) == 4     # received, prepared, imported, prepared (refused)
