"""Outgoing mail behind one small interface; the transport is chosen by settings.

``log`` writes each message to the log (and keeps the last ones in ``outbox`` so a developer,
or a test, can follow a link); ``smtp`` hands it to an SMTP server (a local sink in dev).
``send_branded`` writes a tenant's mail (invites, password resets, alerts) in the tenant's
brand: its product name in the subject and signature, its sender name, its support contacts.
Mail is plain text, with an HTML alternative only where the platform renders one from its own
template (alerts: ``argus.platform.alerts.channels``); no tenant-supplied HTML is ever sent.
"""

from __future__ import annotations

import smtplib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Protocol

import anyio
import structlog

from argus.platform.core.settings import MailSettings

log = structlog.get_logger("argus.mail")


class MailBrand(Protocol):
    """What a tenant's mail shows of its brand (``argus.branding.brands.BrandSettings``)."""

    @property
    def product_name(self) -> str: ...

    @property
    def support_email(self) -> str | None: ...

    @property
    def support_url(self) -> str | None: ...

    @property
    def email_sender_name(self) -> str | None: ...


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    sender_name: str | None = None
    html: str | None = None  # an alternative to ``body``, from a platform template


class Mailer:
    """``brand_of(tenant_id)`` is the tenant's brand (the branding domain supplies it)."""

    def __init__(self, settings: MailSettings,
                 brand_of: Callable[[str], Awaitable[MailBrand]]) -> None:
        self.settings = settings
        self.brand_of = brand_of
        self.outbox: deque[Mail] = deque(maxlen=100)

    async def send_branded(self, tenant_id: str, to: str, subject: str, body: str) -> None:
        """``{product}`` in the subject or body becomes the tenant's product name."""
        brand = await self.brand_of(tenant_id)
        product = brand.product_name
        contacts = [c for c in (brand.support_email, brand.support_url) if c]
        signature = f"\n\n— {product}" + (f"\nHelp: {', '.join(contacts)}" if contacts else "")
        await self.send(Mail(to, subject.replace("{product}", product),
                             body.replace("{product}", product) + signature,
                             sender_name=brand.email_sender_name or product))

    async def send(self, mail: Mail) -> None:
        self.outbox.append(mail)
        if self.settings.transport == "smtp":
            await anyio.to_thread.run_sync(self._smtp, mail)
        else:
            # The body holds one-time links: fine for the dev log, which is what this is for.
            log.info("mail.sent", to=mail.to, subject=mail.subject, body=mail.body)

    def _smtp(self, mail: Mail) -> None:
        message = EmailMessage()
        sender = self.settings.sender
        if mail.sender_name:  # the brand's name, with the platform's own address
            sender = formataddr((mail.sender_name, parseaddr(sender)[1]))
        message["From"], message["To"], message["Subject"] = sender, mail.to, mail.subject
        message.set_content(mail.body)
        if mail.html:
            message.add_alternative(mail.html, subtype="html")
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
