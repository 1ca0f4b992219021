"""Kayako Classic, the helpdesk of the SecuTix procedure: its signed REST API (docs/ticket.md).

Every request carries ``apikey``, a fresh random ``salt`` and ``signature`` =
base64(HMAC-SHA256(secret key, salt)); the secret key itself is never sent. Requests go
to ``{base_url}?e=/Controller[/id]``; POST creates, GET reads, PUT updates; bodies are
form-encoded, answers XML. Status, owner, department, type and priority are ids per
helpdesk: project.yaml names the id (digits) or the title, a title being looked up once
through the list controllers. With no ``ticket_id`` configured, the first action opens
the data-import ticket (step 4, at J-14) and its id is kept in the procedure folder.
Failures raise SourceUnavailable (retriable) naming the action and HTTP status only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

from stx_migrate.migration.errors import ConfigError, SourceUnavailable
from stx_migrate.migration.settings.procedure import TicketSettings

from .secrets import redact

log = logging.getLogger("stx_migrate.connectors.ticket")
CREATED_TICKET = "kayako_ticket.json"
# what a title is looked up in: (controller, element, title tag)
LISTS = {"status": ("/Tickets/TicketStatus", "ticketstatus", "title"),
         "type": ("/Tickets/TicketType", "tickettype", "title"),
         "priority": ("/Tickets/TicketPriority", "ticketpriority", "title"),
         "department": ("/Base/Department", "department", "title"),
         "staff": ("/Base/Staff", "staff", "fullname")}


_CREDENTIAL_PARAMS = re.compile(r"(apikey|salt|signature)=[^&\s\"']+")


class _MaskCredentials(logging.Filter):
    """httpx logs every request's URL at INFO: a GET to Kayako Classic carries apikey and signature there."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "apikey=" in text or "signature=" in text:
            record.msg, record.args = _CREDENTIAL_PARAMS.sub(r"\1=***", text), ()
        return True


def _mask_httpx_urls() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _MaskCredentials) for f in logger.filters):
        logger.addFilter(_MaskCredentials())


def sign(secret_key: str, salt: str) -> str:
    """Kayako Classic's signature: base64 of HMAC-SHA256(secret key, salt)."""
    return base64.b64encode(hmac.new(secret_key.encode(), salt.encode(), hashlib.sha256).digest()).decode()


def _element_id(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return element.get("id") or (element.findtext("id") or "").strip() or None


class KayakoClassicTicket:
    def __init__(self, settings: TicketSettings, procedure_dir: Path, api_key: str, secret_key: str):
        import httpx

        from .ticket import JournalTicket

        self.settings, self.procedure_dir = settings, Path(procedure_dir)
        self.base = settings.base_url
        self._api_key, self._secret_key = api_key, secret_key
        self._hidden = [api_key, secret_key]
        _mask_httpx_urls()
        self._client = httpx.Client(timeout=settings.timeout_seconds)
        self._ids: dict[tuple[str, str], str] = {}
        self.ticket_id = settings.ticket_id or self._created_id()
        self.journal = JournalTicket(procedure_dir, self.ticket_id)

    # -- transport ---------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        salt = secrets.token_hex(16)
        return {"apikey": self._api_key, "salt": salt, "signature": sign(self._secret_key, salt)}

    def request(self, method: str, controller: str, action: str, data: dict | None = None) -> ET.Element:
        import httpx

        params = {"e": controller}
        try:
            if method in ("GET", "DELETE"):
                response = self._client.request(method, self.base, params={**params, **self._auth()})
            else:
                response = self._client.request(method, self.base, params=params, data={**(data or {}), **self._auth()})
        except httpx.HTTPError as e:
            raise SourceUnavailable(f"ticket: {action} failed: cannot reach {redact(self.base, self._hidden)} "
                                    f"({type(e).__name__})") from None
        if response.status_code >= 400:
            raise SourceUnavailable(f"ticket: {action} refused by Kayako (HTTP {response.status_code})")
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError:
            raise SourceUnavailable(f"ticket: {action}: Kayako's answer is not XML (HTTP {response.status_code})") from None
        log.info("ticket %s: %s sent (HTTP %s)", self.ticket_id or "(new)", action, response.status_code)
        return root

    # -- ids named by title --------------------------------------------------------------------
    def resolve_id(self, kind: str, value: str | None) -> str | None:
        """``value`` when it is an id (digits), else the id of the ``kind`` whose title it is."""
        if value is None or str(value).isdigit():
            return value
        key = (kind, value.casefold())
        if key not in self._ids:
            controller, element, tag = LISTS[kind]
            root = self.request("GET", controller, f"look up {kind} titles")
            titles = []
            for item in root.iter(element):
                title = (item.findtext(tag) or "").strip()
                if title:
                    titles.append(title)
                    self._ids.setdefault((kind, title.casefold()), _element_id(item) or "")
            if not self._ids.get(key):
                known = sorted(titles)
                raise ConfigError(f"project.yaml › ticket: no Kayako {kind} titled {value!r} (known: {', '.join(known)})")
        return self._ids[key]

    # -- the ticket ------------------------------------------------------------------------------
    def _created_id(self) -> str | None:
        path = self.procedure_dir / CREATED_TICKET
        return json.loads(path.read_text(encoding="utf-8"))["ticket_id"] if path.exists() else None

    def ensure_ticket(self) -> str:
        """The ticket's id; opens the data-import ticket (procedure step 4) when there is none yet."""
        if self.ticket_id:
            return self.ticket_id
        s = self.settings
        data = {"subject": s.subject, "fullname": s.requester_name or "stx-migrate", "email": s.requester_email or "",
                "contents": "Data import ticket of the SecuTix contact migration, opened by stx-migrate.",
                "departmentid": self.resolve_id("department", s.department),
                "ticketstatusid": self.resolve_id("status", s.statuses.open),
                "ticketpriorityid": self.resolve_id("priority", s.priority),
                "tickettypeid": self.resolve_id("type", s.type), "staffid": self.resolve_id("staff", s.staff)}
        root = self.request("POST", "/Tickets/Ticket", "open the data-import ticket",
                            {k: v for k, v in data.items() if v})
        ticket_id = _element_id(root.find(".//ticket"))
        if not ticket_id:
            raise SourceUnavailable("ticket: Kayako created no ticket (no id in its answer)")
        self.procedure_dir.mkdir(parents=True, exist_ok=True)
        (self.procedure_dir / CREATED_TICKET).write_text(json.dumps({"ticket_id": ticket_id}) + "\n", encoding="utf-8")
        self.ticket_id = self.journal.ticket_id = ticket_id
        self.journal._append("opened", ticket_id, sent=True)
        return ticket_id

    def add_note(self, text: str) -> None:
        ticket = self.ensure_ticket()
        self.request("POST", "/Tickets/TicketNote", "add note",
                     {"ticketid": ticket, "contents": text, "staffid": self.resolve_id("staff", self.settings.staff)})
        self.journal._append("note", text, sent=True)

    def attach(self, paths: list[Path], text: str) -> None:
        """A post on the ticket with ``text``, the files attached to it (base64)."""
        ticket = self.ensure_ticket()
        root = self.request("POST", "/Tickets/TicketPost", "add post", {
            "ticketid": ticket, "subject": "stx-migrate", "contents": text,
            "staffid": self.resolve_id("staff", self.settings.staff)})
        post = _element_id(root.find(".//post"))
        for path in paths:
            self.request("POST", "/Tickets/TicketAttachment", f"attach {Path(path).name}", {
                "ticketid": ticket, "ticketpostid": post or "", "filename": Path(path).name,
                "contents": base64.b64encode(Path(path).read_bytes()).decode()})
            self.journal._append("attachment", Path(path).name, sent=True,
                                 sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())

    def set_status(self, status: str) -> None:
        named = {"final validation": self.settings.statuses.final_validation,
                 "solved": self.settings.statuses.solved}.get(status, status)
        status_id = self.resolve_id("status", named)
        self.request("PUT", f"/Tickets/Ticket/{self.ensure_ticket()}", f"set status {status}", {"ticketstatusid": status_id})
        self.journal._append("status", status, sent=True, status_id=status_id)

    def set_owner(self, owner: str) -> None:
        staff_id = self.resolve_id("staff", self.settings.leader_agent_id or owner)
        self.request("PUT", f"/Tickets/Ticket/{self.ensure_ticket()}", "set owner", {"ownerstaffid": staff_id})
        self.journal._append("owner", owner, sent=True, staff_id=staff_id)

    def close(self) -> None:
        self._client.close()
