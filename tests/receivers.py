"""Real servers on the test host that the platform sends to: a webhook receiver (scripted
statuses, can hold requests to stand for a hung receiver), an SMTP server (aiosmtpd) and a
fake of Twilio's Messages endpoint."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

TWILIO_SID = "AC" + "0" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Receiver(_Server):
    """Answers each POST with the next scripted status (then 200) and keeps what it got:
    (headers, body, arrival time). After ``hold()``, requests wait for ``release()``."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], str, float]] = []
        self.script: list[int] = []
        self.paths: list[str] = []
        self.holding = threading.Event()
        self.released = threading.Event()
        self.waiting = threading.Event()  # a held request has arrived
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (a followed redirect would arrive here)
                receiver.paths.append(self.path)
                self.send_response(200)
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.got.append((dict(self.headers), body, time.time()))
                receiver.paths.append(self.path)
                if receiver.holding.is_set():
                    receiver.waiting.set()
                    receiver.released.wait(120)
                status = receiver.script.pop(0) if receiver.script else 200
                try:
                    self.send_response(status)
                    if 300 <= status < 400:  # a redirect, which delivery must not follow
                        self.send_header("Location", f"{receiver.base}/elsewhere")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender is gone (a killed worker)

        super().__init__(Handler)
        self.url = f"{self.base}/hooks"

    def hold(self) -> None:
        self.released.clear()
        self.waiting.clear()
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()
        self.released.set()

    def events(self, event_type: str) -> list[tuple[dict[str, str], str, float]]:
        return [g for g in self.got if json.loads(g[1])["type"] == event_type]


class SmtpInbox:
    """aiosmtpd's handler: every message received, with its envelope recipients."""

    def __init__(self) -> None:
        self.mail: list[EmailMessage] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.mail.append(message)
        return "250 OK"

    @property
    def port(self) -> int:
        return self.controller.port

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mail if address in m["X-Envelope-To"]]


class FakeTwilio(_Server):
    """``POST /2010-04-01/Accounts/{sid}/Messages.json`` as Twilio answers it (201, JSON)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                form = {k: v[0] for k, v in parse_qs(
                    self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                form["path"], form["auth"] = self.path, self.headers.get("Authorization", "")
                fake.sent.append(form)
                body = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                   "to": form.get("To"), "from": form.get("From"),
                                   "body": form.get("Body"), "account_sid": TWILIO_SID}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)
        self.url = self.base
