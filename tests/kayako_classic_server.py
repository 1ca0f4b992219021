"""A local Kayako Classic REST endpoint that checks every request the way Kayako does.

It refuses (HTTP 401) a request whose ``signature`` is not base64(HMAC-SHA256(secret key,
salt)) or whose ``apikey`` is not the helpdesk's, and a salt used twice; parses the
form-encoded bodies; answers XML like Kayako (tickets, posts, status/staff/department
lists). What it received is kept in ``received`` (controller, method, parsed fields).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

API_KEY = "ak-0b7c2a9e-classic"
SECRET_KEY = "sk-Secret-Classic-9f3d77"
LISTS = {
    "/Tickets/TicketStatus": "<ticketstatuses><ticketstatus><id>1</id><title>Open</title></ticketstatus>"
                             "<ticketstatus><id>5</id><title>Final validation</title></ticketstatus>"
                             "<ticketstatus><id>3</id><title>Solved</title></ticketstatus></ticketstatuses>",
    "/Base/Staff": "<staffusers><staff><id>17</id><fullname>Léa Martin</fullname></staff>"
                   "<staff><id>8</id><fullname>VN Team</fullname></staff></staffusers>",
    "/Base/Department": "<departments><department><id>4</id><title>Data import</title></department></departments>",
    "/Tickets/TicketType": "<tickettypes><tickettype><id>2</id><title>Migration</title></tickettype></tickettypes>",
    "/Tickets/TicketPriority": "<ticketpriorities><ticketpriority><id>1</id><title>Normal</title></ticketpriority>"
                               "</ticketpriorities>",
}


class KayakoClassic(BaseHTTPRequestHandler):
    received: list[dict] = []
    salts: set[str] = set()

    def _handle(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        fields = {**query, **form}
        salt, signature = fields.get("salt", ""), fields.get("signature", "")
        expected = base64.b64encode(hmac.new(SECRET_KEY.encode(), salt.encode(), hashlib.sha256).digest()).decode()
        if url.path != "/api/index.php" or fields.get("apikey") != API_KEY or not salt or salt in KayakoClassic.salts \
                or not hmac.compare_digest(signature, expected):
            return self._answer(401, "<error>Access Denied</error>")
        KayakoClassic.salts.add(salt)
        controller = fields["e"]
        KayakoClassic.received.append({"method": self.command, "e": controller,
                                       "fields": {k: v for k, v in form.items() if k not in ("apikey", "salt", "signature")}})
        if self.command == "GET" and controller in LISTS:
            return self._answer(200, LISTS[controller])
        if self.command == "POST" and controller == "/Tickets/Ticket":
            return self._answer(200, '<tickets><ticket id="901"><displayid>DAT-901</displayid></ticket></tickets>')
        if self.command == "POST" and controller == "/Tickets/TicketPost":
            return self._answer(200, "<posts><post><id>55</id></post></posts>")
        return self._answer(200, "<result>1</result>")

    def _answer(self, code: int, xml: str):
        body = ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *args):
        pass


def start_kayako_classic():
    KayakoClassic.received, KayakoClassic.salts = [], set()
    server = HTTPServer(("127.0.0.1", 0), KayakoClassic)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}/api/index.php", stop


def with_kayako_classic(project_dir, url: str, leader: str | None = None) -> None:
    """The project's ticket: Kayako Classic at ``url``, no ticket id (the J-14 receive opens it);
    ``leader``: the staff member the ticket goes to at step 16."""
    project_file = project_dir / "project.yaml"
    project_file.write_text(project_file.read_text(encoding="utf-8") + (
        f"ticket:\n  kind: kayako-classic\n  base_url: {url}\n  api_key: ${{env:STX_TEST_KAYAKO_API}}\n"
        "  secret_key: ${env:STX_TEST_KAYAKO_SECRET}\n  department: Data import\n  staff: VN Team\n"
        + (f"  leader_agent_id: {leader}\n" if leader else "")), encoding="utf-8")
