"""Webhook endpoints of one tenant: create (the URL checked against SSRF, the secret made,
sealed and shown once), list (cursor), show, change, delete, rotate the secret (the old one
keeps signing for a grace period). Every change is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Invalid, NotFound
from argus.platform.core.pagination import id_page
from argus.platform.webhooks.events import EVENT_TYPES
from argus.platform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from argus.platform.webhooks.signing import new_secret
from argus.platform.webhooks.targets import resolve
from argus.platform.webhooks.vault import Vault

MAX_ENDPOINTS = 50


def clean_types(types: list[str] | None) -> list[str] | None:
    if types is None:
        return None
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(f"unknown event type(s) {', '.join(unknown)} (known: "
                      f"{', '.join(EVENT_TYPES)})", field="event_types")
    if not types:
        raise Invalid("event_types is null for every event, or lists at least one",
                      field="event_types")
    return sorted(set(types))


class WebhookService:
    def __init__(self, session: AsyncSession, vault: Vault, allow_private: bool,
                 audit: Audit | None = None) -> None:
        self.session, self.vault, self.allow_private, self.audit = (session, vault,
                                                                     allow_private, audit)

    async def _check_url(self, url: str) -> str:
        await resolve(url, self.allow_private)  # 422 on a private or unresolvable target
        return url

    async def create(self, url: str, description: str, event_types: list[str] | None,
                     enabled: bool) -> tuple[WebhookEndpoint, str]:
        types = clean_types(event_types)
        await self._check_url(url)
        count = len(list(await self.session.scalars(select(WebhookEndpoint.id))))
        if count >= MAX_ENDPOINTS:
            raise Invalid(f"a tenant has at most {MAX_ENDPOINTS} webhook endpoints",
                          field="url")
        secret = new_secret()
        now = utcnow()
        row = WebhookEndpoint(url=url, description=description, event_types=types,
                              enabled=enabled, secret_sealed=self.vault.seal(secret),
                              created_at=now, updated_at=now)
        self.session.add(row)
        await self.session.flush()
        if self.audit:
            self.audit.record("webhooks.create", "webhook", row.id, detail={"url": url})
        await self.session.commit()
        return row, secret

    async def list(self, cursor: str | None, limit: int) -> tuple[list[WebhookEndpoint],
                                                                  str | None]:
        return await id_page(self.session, WebhookEndpoint, cursor, limit)

    async def get(self, endpoint_id: str) -> WebhookEndpoint:
        row = await self.session.get(WebhookEndpoint, endpoint_id)
        if row is None:
            raise NotFound("webhook endpoint not found", field="id")
        return row

    async def update(self, endpoint_id: str, *, url: str | None, description: str | None,
                     event_types: list[str] | None, all_events: bool | None,
                     enabled: bool | None) -> WebhookEndpoint:
        row = await self.get(endpoint_id)
        if url is not None and url != row.url:
            row.url = await self._check_url(url)
        if description is not None:
            row.description = description
        if all_events:
            row.event_types = None
        elif event_types is not None:
            row.event_types = clean_types(event_types)
        if enabled is not None and enabled != row.enabled:
            row.enabled = enabled
            if enabled:  # back on: its failure streak starts again
                row.disabled_reason, row.failing_since = None, None
        row.updated_at = utcnow()
        if self.audit:
            self.audit.record("webhooks.update", "webhook", row.id)
        await self.session.commit()
        return row

    async def delete(self, endpoint_id: str) -> None:
        row = await self.get(endpoint_id)
        await self.session.delete(row)
        if self.audit:
            self.audit.record("webhooks.delete", "webhook", endpoint_id)
        await self.session.commit()

    async def queue_test(self, endpoint_id: str) -> WebhookEndpoint:
        """A ``webhook.test`` delivery for this endpoint (kick it after this returns)."""
        from argus.platform.webhooks.delivery import emit

        row = await self.get(endpoint_id)
        await emit(self.session, "webhook.test", {"endpoint_id": row.id}, endpoint_id=row.id)
        if self.audit:
            self.audit.record("webhooks.test", "webhook", row.id)
        await self.session.commit()
        return row

    async def resend(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
        """Send a delivery again now, under the same ``webhook-id``."""
        await self.get(endpoint_id)
        row = await self.session.get(WebhookDelivery, delivery_id)
        if row is None or row.endpoint_id != endpoint_id:
            raise NotFound("delivery not found", field="delivery_id")
        row.state, row.next_attempt_at = "pending", utcnow()
        if self.audit:
            self.audit.record("webhooks.resend", "webhook", endpoint_id,
                              detail={"delivery_id": delivery_id})
        await self.session.commit()
        return row

    async def recover(self, endpoint_id: str, since: datetime) -> int:
        """Send again every delivery of the endpoint that failed since ``since`` (each under
        its own ``webhook-id``); how many. A disabled endpoint sends them once enabled."""
        await self.get(endpoint_id)
        if since.tzinfo is None:
            raise Invalid("since needs a time zone (such as 2026-12-01T00:00:00Z)",
                          field="since")
        now = utcnow()
        if since > now:
            raise Invalid("since is in the future", field="since")
        result = await self.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                          WebhookDelivery.state == "failed",
                                          WebhookDelivery.created_at >= since)
            .values(state="pending", next_attempt_at=now))
        if self.audit:
            self.audit.record("webhooks.recover", "webhook", endpoint_id,
                              detail={"since": since.isoformat(), "count": result.rowcount})
        await self.session.commit()
        return int(result.rowcount or 0)

    async def rotate(self, endpoint_id: str, grace_seconds: int) -> tuple[WebhookEndpoint, str]:
        """A new secret signs from now on; the old one also signs for ``grace_seconds``."""
        row = await self.get(endpoint_id)
        secret = new_secret()
        now = utcnow()
        if grace_seconds:
            row.previous_sealed = row.secret_sealed
            row.previous_until = now + timedelta(seconds=grace_seconds)
        else:  # a leaked secret: it stops signing at once
            row.previous_sealed, row.previous_until = None, None
        row.secret_sealed = self.vault.seal(secret)
        row.updated_at = now
        if self.audit:
            self.audit.record("webhooks.rotate_secret", "webhook", row.id,
                              detail={"grace_seconds": grace_seconds})
        await self.session.commit()
        return row, secret


def live_secrets(row: WebhookEndpoint, vault: Vault, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its
    grace period."""
    found = [vault.open(row.secret_sealed)]
    if row.previous_sealed and row.previous_until and row.previous_until > now:
        found.append(vault.open(row.previous_sealed))
    return found


async def deliveries(session: AsyncSession, endpoint_id: str, cursor: str | None,
                     limit: int) -> tuple[list[tuple[WebhookDelivery, list[WebhookAttempt]]],
                                          str | None]:
    """The endpoint's deliveries, newest first, each with its attempts (oldest first)."""
    query = (select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
             .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()))
    if cursor:
        after = await session.get(WebhookDelivery, cursor)
        if after is None or after.endpoint_id != endpoint_id:
            raise Invalid("cursor is not one this API gave", field="cursor")
        query = query.where((WebhookDelivery.created_at < after.created_at) | (
            (WebhookDelivery.created_at == after.created_at)
            & (WebhookDelivery.id < after.id)))
    rows = list(await session.scalars(query.limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    attempts: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    if rows:
        for attempt in await session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(list(attempts)))
                .order_by(WebhookAttempt.id)):
            attempts[attempt.delivery_id].append(attempt)
    return [(r, attempts[r.id]) for r in rows], (rows[-1].id if more else None)


