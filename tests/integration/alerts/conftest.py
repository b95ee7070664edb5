"""A real SMTP server (aiosmtpd) and a small fake of Twilio's Messages endpoint on the test
host, and services that send through them."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller

from argus.platform.cameras.models import Camera
from argus.platform.services import CTX_KEY, Services

SID, TOKEN = "AC" + "0" * 32, "test-token"


class Inbox:
    def __init__(self) -> None:
        self.mail: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.mail.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mail if address in m["X-Envelope-To"]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


class FakeTwilio:
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
                                   "body": form.get("Body"), "account_sid": SID}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
async def alert_services(control, smtp_inbox, twilio):
    """Services mailing through the SMTP server and texting through the fake, SMS cap 2."""
    _, port = smtp_inbox
    settings = dataclasses.replace(
        control,
        mail=dataclasses.replace(control.mail, transport="smtp", smtp_port=port),
        alerts=dataclasses.replace(control.alerts, sms_daily_cap=2, twilio_account_sid=SID,
                                   twilio_auth_token=TOKEN, twilio_from="+15550000000",
                                   twilio_api_base=twilio.url))
    services = Services.build(settings)
    yield services
    await services.close()


def worker_ctx(services) -> dict:
    return {CTX_KEY: services}


async def add_camera(services, tenant, name: str = "Front door", tags=None) -> str:
    """An online camera."""
    context = await services.resolver.load(tenant.id)
    async with services.dbs.tenant_session(context) as session:
        camera = Camera(name=name, tags=tags, status="online")
        session.add(camera)
        await session.commit()
        return camera.id
