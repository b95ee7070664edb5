"""Outgoing mail behind one small interface; the transport is chosen by settings.

``log`` writes each message to the log (and keeps the last ones in ``outbox`` so a developer,
or a test, can follow a link); ``smtp`` hands it to an SMTP server (a local sink in dev).
"""

from __future__ import annotations

import smtplib
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage

import anyio
import structlog

from argus.platform.core.settings import MailSettings

log = structlog.get_logger("argus.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.outbox: deque[Mail] = deque(maxlen=100)

    async def send(self, mail: Mail) -> None:
        self.outbox.append(mail)
        if self.settings.transport == "smtp":
            await anyio.to_thread.run_sync(self._smtp, mail)
        else:
            # The body holds one-time links: fine for the dev log, which is what this is for.
            log.info("mail.sent", to=mail.to, subject=mail.subject, body=mail.body)

    def _smtp(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.sender, mail.to, \
            mail.subject
        message.set_content(mail.body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
