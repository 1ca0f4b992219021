"""The project's ticket: where the flows leave notes and move status and owner.

Three kinds (``project.yaml › ticket``):

* ``kayako-classic`` — a Kayako Classic ticket, the helpdesk of the SecuTix procedure: its
  signed REST API with XML answers (:mod:`.kayako_classic`); opens the data-import ticket
  when the project names none, attaches files at step 16;
* ``kayako`` — a newer Kayako's case through its REST API (v1):
  ``POST {base}/api/v1/cases/{id}/notes.json`` ``{"contents": …}`` adds an internal note;
  ``PUT {base}/api/v1/cases/{id}.json`` with ``status_id`` / ``assigned_agent_id`` moves it.
  The API key is a reference (``${env:NAME}`` / ``${secret:BLOCK}``) resolved when the
  ticket is opened and sent as ``Authorization: Bearer …``; it never appears in a log,
  an error or the journal.
* ``journal`` (default) — the same actions appended as JSON lines to
  ``<procedure_dir>/ticket.jsonl``, so a project without a ticket system keeps a trace.

Every Kayako action is mirrored in the journal too (with ``"sent": true``), so the
procedure folder always tells what the ticket was told.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from stx_migrate.migration.errors import ConfigError, SourceUnavailable
from stx_migrate.migration.procedure.decisions import append_jsonl, read_jsonl
from stx_migrate.migration.settings.procedure import TicketSettings

from .secrets import redact, resolve

TICKET_JOURNAL = "ticket.jsonl"
log = logging.getLogger("stx_migrate.connectors.ticket")


class Ticket(Protocol):
    def add_note(self, text: str) -> None: ...
    def attach(self, paths: list[Path], text: str) -> None: ...
    def set_status(self, status: str) -> None: ...
    def set_owner(self, owner: str) -> None: ...


class JournalTicket:
    """The local ticket: one JSON line per action under the procedure folder."""

    def __init__(self, procedure_dir: Path, ticket_id: str | None = None):
        self.path = Path(procedure_dir) / TICKET_JOURNAL
        self.ticket_id = ticket_id

    def _append(self, action: str, value: str, **extra) -> None:
        append_jsonl(self.path, {"at": datetime.now(timezone.utc).isoformat(), "action": action, "value": value,
                                 "ticket_id": self.ticket_id, **extra})

    def add_note(self, text: str) -> None:
        self._append("note", text)

    def attach(self, paths: list[Path], text: str) -> None:
        """The local ticket keeps the text and each file's name and sha256 (the files stay where they are)."""
        self._append("note", text)
        for path in paths:
            self._append("attachment", Path(path).name, path=str(path), sha256=_sha256(Path(path)))

    def set_status(self, status: str) -> None:
        self._append("status", status)

    def set_owner(self, owner: str) -> None:
        self._append("owner", owner)

    def entries(self) -> list[dict]:
        return read_jsonl(self.path)


class KayakoTicket:
    """A Kayako case. Failures raise SourceUnavailable (retriable) naming the action and HTTP status only."""

    def __init__(self, settings: TicketSettings, procedure_dir: Path, api_key: str):
        import httpx

        self.settings = settings
        self.base = settings.base_url.rstrip("/")
        self.case = settings.ticket_id
        self._hidden = [api_key]  # values no message may show
        self._client = httpx.Client(timeout=settings.timeout_seconds,
                                    headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"})
        self.journal = JournalTicket(procedure_dir, settings.ticket_id)

    def _send(self, method: str, path: str, payload: dict, action: str) -> None:
        import httpx

        url = f"{self.base}/api/v1/cases/{self.case}{path}"
        try:
            response = self._client.request(method, url, json=payload)
        except httpx.HTTPError as e:
            raise SourceUnavailable(
                f"ticket {self.case}: {action} failed: cannot reach {redact(self.base, self._hidden)} "
                f"({type(e).__name__})") from None
        if response.status_code >= 400:
            raise SourceUnavailable(f"ticket {self.case}: {action} refused by Kayako (HTTP {response.status_code})")
        log.info("ticket %s: %s sent (HTTP %s)", self.case, action, response.status_code)

    def add_note(self, text: str) -> None:
        self._send("POST", "/notes.json", {"contents": text}, "add note")
        self.journal._append("note", text, sent=True)

    def attach(self, paths: list[Path], text: str) -> None:
        """API v1 is not given files here: a note names them (they stay in the workspace)."""
        self.add_note(text + " (files: " + ", ".join(Path(p).name for p in paths) + ")")

    def set_status(self, status: str) -> None:
        status_id = {"final validation": self.settings.statuses.final_validation,
                     "solved": self.settings.statuses.solved}.get(status, status)
        self._send("PUT", ".json", {"status_id": status_id}, f"set status {status}")
        self.journal._append("status", status, sent=True, status_id=status_id)

    def set_owner(self, owner: str) -> None:
        agent = self.settings.leader_agent_id or owner
        self._send("PUT", ".json", {"assigned_agent_id": agent}, "set owner")
        self.journal._append("owner", owner, sent=True, agent_id=agent)

    def close(self) -> None:
        self._client.close()


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def open_ticket(settings: TicketSettings, procedure_dir: Path) -> Ticket:
    """The ticket the project names; the local journal when none is configured."""
    if settings.kind == "journal":
        return JournalTicket(procedure_dir, settings.ticket_id)
    if settings.kind == "kayako-classic":
        from .kayako_classic import KayakoClassicTicket

        keys = [resolve(getattr(settings, k), f"project.yaml › ticket › {k}").value for k in ("api_key", "secret_key")]
        if not all(keys):
            raise ConfigError("project.yaml › ticket › api_key, secret_key: a referenced secret is empty")
        return KayakoClassicTicket(settings, procedure_dir, *keys)
    if not (settings.base_url and settings.ticket_id and settings.api_key):
        raise ConfigError("project.yaml › ticket: kind kayako needs base_url, ticket_id and api_key")
    key = resolve(settings.api_key, "project.yaml › ticket › api_key").value
    if not key:
        raise ConfigError("project.yaml › ticket › api_key: the referenced secret is empty")
    return KayakoTicket(settings, procedure_dir, key)
