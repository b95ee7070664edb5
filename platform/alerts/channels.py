"""Sending one notification: e-mail (SMTP through the mailer, branded HTML and text), SMS
(a Twilio-compatible Messages API through the ``twilio`` library) or in-app (the row is the
notification; the user's open sockets are told at once)."""

from __future__ import annotations

from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from argus.branding.brands import BrandSettings
from argus.platform.alerts.models import Notification
from argus.platform.core.mail import Mail, Mailer
from argus.platform.core.settings import AlertSettings
from argus.platform.events.types import NotificationNew, publish

TWILIO = "https://api.twilio.com"
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


class ChannelUnavailable(Exception):
    """The channel is not configured here: the message is skipped, not retried."""


def email_html(brand: BrandSettings, logo_url: str | None, title: str, body: str,
               link: str | None) -> str:
    return _templates.get_template("alert_email.html").render(
        brand=brand, logo_url=logo_url, title=title, lines=body.splitlines(), link=link)


async def send_email(mailer: Mailer, brand: BrandSettings, base_url: str, row: Notification,
                     logo_url: str | None) -> None:
    link = f"{base_url}{row.link}" if row.link else None
    text = row.body + (f"\n\nOpen: {link}" if link else "")
    contacts = [c for c in (brand.support_email, brand.support_url) if c]
    text += f"\n\n— {brand.product_name}" + (f"\nHelp: {', '.join(contacts)}" if contacts else "")
    await mailer.send(Mail(row.recipient, f"{brand.product_name}: {row.title}", text,
                           sender_name=brand.email_sender_name or brand.product_name,
                           html=email_html(brand, logo_url, row.title, row.body, link)))


class _Rebased(TwilioHttpClient):
    """Twilio's HTTP client, sending to another base URL (a compatible API or a local fake),
    ignoring proxy settings from the environment."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=15)
        self.base = base.rstrip("/")
        if self.session is not None:
            self.session.trust_env = False

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.base and url.startswith(TWILIO):
            url = self.base + url[len(TWILIO):]
        return super().request(method, url, *args, **kwargs)


def _send_sms(settings: AlertSettings, to: str, body: str) -> str:
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=_Rebased(settings.twilio_api_base))
    return client.messages.create(to=to, from_=settings.twilio_from, body=body[:1600]).sid


async def send_sms(settings: AlertSettings, brand: BrandSettings, row: Notification) -> None:
    if not settings.twilio_account_sid:
        raise ChannelUnavailable("SMS is not configured on this deployment")
    await anyio.to_thread.run_sync(_send_sms, settings, row.recipient,
                                   f"{brand.product_name}: {row.body}")


async def sms_sent_today(session: AsyncSession, today_start) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.channel == "sms", Notification.state == "sent",
        Notification.sent_at >= today_start)) or 0


async def unread(session: AsyncSession, user_id: str) -> int:
    return await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.channel == "in_app", Notification.recipient == user_id,
        Notification.state == "sent", Notification.read_at.is_(None))) or 0


async def announce_in_app(redis: Redis, control_schema: str, tenant_id: str,
                          row: Notification, unread_count: int) -> None:
    await publish(redis, control_schema, tenant_id, NotificationNew(
        user_id=row.recipient, notification_id=row.id, title=row.title, link=row.link,
        unread=unread_count))
