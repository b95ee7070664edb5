"""The alerts job (general worker), one run per tenant at a time: open the incidents whose
debounce has passed, then send the pending messages, each committed as it goes (a worker
killed mid-run leaves the rest pending; the minutely sweep picks them up). A message that
fails is tried again on later runs, up to ``MAX_ATTEMPTS``. Messages are skipped, never sent,
inside the rule's cooldown, past the tenant's daily SMS cap, and for a recovery whose alert
was never sent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import structlog
from arq import cron
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.branding.brands import BrandStore
from argus.platform.alerts.channels import (
    ChannelUnavailable,
    announce_in_app,
    send_email,
    send_sms,
    sms_sent_today,
    unread,
)
from argus.platform.alerts.incidents import open_due
from argus.platform.alerts.models import Incident, Notification, NotificationRule
from argus.platform.branding.schemas import image_url
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import Jobs, from_ctx
from argus.platform.core.mail import Mailer
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver
from argus.tenants.urls import tenant_base_url

log = structlog.get_logger("argus.alerts")
MAX_ATTEMPTS = 5
BATCH = 50
LOCK_HOLD = 60  # renewed before each message (a send times out in 15 s): a killed run frees it


async def kick(jobs: Jobs, tenant_id: str, defer: float | None = None) -> bool:
    """Queue an alerts run for the tenant, at most one per tenant and second."""
    slot = int(utcnow().timestamp() + (defer or 0))
    job_id = f"alerts:{tenant_id}:{slot}"
    if jobs.seen(job_id):
        return False
    return await jobs.general(run_alerts, tenant_id, job_id=job_id, defer=defer)


async def _why_skip(session: AsyncSession, row: Notification, rule: NotificationRule | None,
                    cap: int, now: datetime) -> str | None:
    if rule is None:
        return "the rule was deleted"
    if row.phase == "resolved":
        alerted = await session.scalar(select(Notification.id).where(
            Notification.incident_id == row.incident_id, Notification.phase == "opened",
            Notification.channel == row.channel, Notification.recipient == row.recipient,
            Notification.state == "sent").limit(1))
        if alerted is None:
            return "no alert was sent for this incident"
    elif rule.cooldown_s and await session.scalar(select(Notification.id).where(
            Notification.rule_id == row.rule_id, Notification.subject == row.subject,
            Notification.channel == row.channel, Notification.recipient == row.recipient,
            Notification.phase == "opened", Notification.state == "sent",
            Notification.sent_at >= now - timedelta(seconds=rule.cooldown_s)).limit(1)):
        return "within the rule's cooldown"
    if row.channel == "sms":
        midnight = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        if await sms_sent_today(session, midnight) >= cap:
            return "the tenant's daily SMS cap is reached"
    return None


async def send_pending(ctx: dict[str, Any], tenant: TenantContext, lock: str = "") -> int:
    """Send the tenant's pending messages; how many were sent."""
    infra = from_ctx(ctx, Infra)
    mailer, brands = from_ctx(ctx, Mailer), from_ctx(ctx, BrandStore)
    brand, stored = await brands.get(tenant.id)
    base_url = tenant_base_url(infra.settings.http, tenant)
    logo = f"{base_url}{image_url('logo', stored)}"
    sent, last = 0, 0
    while True:
        async with infra.dbs.tenant_session(tenant) as session:
            rows = list(await session.scalars(select(Notification).where(
                Notification.state == "pending", Notification.id > last)
                .order_by(Notification.id).limit(BATCH)))
            if not rows:
                return sent
            for row in rows:
                if lock:
                    await infra.redis.expire(lock, LOCK_HOLD)
                last, now = row.id, utcnow()
                rule = await session.get(NotificationRule, row.rule_id)
                why = await _why_skip(session, row, rule, infra.settings.alerts.sms_daily_cap,
                                      now)
                if why is None:
                    row.attempts += 1
                    try:
                        if row.channel == "email":
                            await send_email(mailer, brand, base_url, row, logo)
                        elif row.channel == "sms":
                            await send_sms(infra.settings.alerts, brand, row)
                    except ChannelUnavailable as exc:
                        why = str(exc)
                    except Exception as exc:  # the server said no, or is not there: retried
                        row.error = f"{type(exc).__name__}: {exc}"[:300]
                        if row.attempts >= MAX_ATTEMPTS:
                            row.state = "failed"
                        log.warning("alerts.send_failed", tenant=tenant.slug,
                                    channel=row.channel, error=row.error)
                        await session.commit()
                        continue
                if why is not None:
                    row.state, row.error = "skipped", why
                else:
                    row.state, row.sent_at, row.error = "sent", now, None
                    sent += 1
                await session.commit()
                if row.channel == "in_app" and row.state == "sent":
                    await announce_in_app(infra.redis, infra.settings.database.control_schema,
                                          tenant.id, row, await unread(session, row.recipient))


async def _next_due(infra: Infra, tenant: TenantContext) -> float | None:
    async with infra.dbs.tenant_session(tenant) as session:
        at = await session.scalar(select(Incident.notify_at).where(
            Incident.state == "pending").order_by(Incident.notify_at).limit(1))
    return None if at is None else max(0.0, (at - utcnow()).total_seconds())


async def run_alerts(ctx: dict[str, Any], tenant_id: str) -> dict[str, int]:
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    tenant = await resolver.load(tenant_id)
    if tenant is None or tenant.state != "active":
        return {}
    lock = f"argus:{infra.settings.database.control_schema}:alerts-lock:{tenant_id}"
    if not await infra.redis.set(lock, "1", nx=True, ex=LOCK_HOLD):
        await kick(infra.jobs, tenant_id, defer=5)  # after the run that holds it
        return {}
    try:
        async with infra.dbs.tenant_session(tenant) as session:
            opened = await open_due(session)
            await session.commit()
        sent = await send_pending(ctx, tenant, lock)
    finally:
        await infra.redis.delete(lock)
    wait = await _next_due(infra, tenant)
    if wait is not None:
        await kick(infra.jobs, tenant_id, defer=max(wait, 1.0))
    return {"opened": opened, "sent": sent}


async def sweep_alerts(ctx: dict[str, Any]) -> int:
    """Every minute: a run for each tenant with a due incident or a pending message."""
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    kicked = 0
    for tenant in await resolver.active():
        try:
            async with infra.dbs.tenant_session(tenant) as session:
                due = await session.scalar(select(Incident.id).where(
                    Incident.state == "pending", Incident.notify_at <= utcnow()).limit(1))
                due = due or await session.scalar(select(Notification.id).where(
                    Notification.state == "pending").limit(1))
            if due:
                kicked += await kick(infra.jobs, tenant.id)
        except Exception as exc:  # one tenant's failure does not stop the rest
            log.warning("alerts.sweep_failed", tenant=tenant.slug, error=str(exc))
    return kicked


JOBS: list[Any] = [run_alerts]
CRONS = [cron(sweep_alerts, second=40, unique=True, timeout=120)]
