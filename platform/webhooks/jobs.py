"""Webhook jobs (general worker): ``deliver_webhooks`` for one endpoint (kicked after an event
commits, and again, deferred, for its next retry; the tenant's admins are e-mailed when the run
disables the endpoint), and a sweep every minute that kicks every endpoint with a due delivery
(a lost job or a restarted worker delays a delivery, never loses it)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron
from sqlalchemy import select

from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import Jobs, from_ctx
from argus.platform.core.mail import Mailer
from argus.platform.identity.admins import admin_emails
from argus.platform.webhooks.delivery import deliver, next_due
from argus.platform.webhooks.models import WebhookDelivery, WebhookEndpoint
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.webhooks")


async def kick(jobs: Jobs, tenant_id: str, endpoint_ids: list[str],
               defer: float | None = None) -> int:
    """Queue a delivery run for each endpoint, at most one per endpoint and second (arq keeps
    a job id for an hour after it ran, so the id names the second it is for); how many were
    queued."""
    queued = 0
    for endpoint_id in endpoint_ids:
        slot = int(utcnow().timestamp() + (defer or 0))
        job_id = f"webhook:{tenant_id}:{endpoint_id}:{slot}"
        if not jobs.seen(job_id):
            queued += await jobs.general(deliver_webhooks, tenant_id, endpoint_id,
                                         job_id=job_id, defer=defer)
    return queued


async def deliver_webhooks(ctx: dict[str, Any], tenant_id: str, endpoint_id: str) -> int:
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    tenant = await resolver.load(tenant_id)
    if tenant is None or tenant.state != "active" or not infra.settings.webhooks.keys:
        return 0
    run = await deliver(infra.dbs, infra.redis, infra.settings.database.control_schema,
                        infra.settings.webhooks, tenant, endpoint_id)
    if run.disabled is not None:
        await _tell_disabled(ctx, infra, tenant, run.disabled)
    wait = await next_due(infra.dbs, tenant, endpoint_id)
    if wait is not None:  # the next retry, or what arrived while this run was busy
        await kick(infra.jobs, tenant_id, [endpoint_id], defer=max(wait, 1.0))
    return run.delivered


async def _tell_disabled(ctx: dict[str, Any], infra: Infra, tenant: TenantContext,
                         endpoint: WebhookEndpoint) -> None:
    """E-mail the tenant's admins that delivery (not an admin) disabled the endpoint."""
    mailer = from_ctx(ctx, Mailer)
    body = (f"{{product}} stopped sending events to the webhook endpoint {endpoint.url} "
            f"({endpoint.description or 'no description'}): {endpoint.disabled_reason}.\n\n"
            "Events for it are kept. Once the receiver works again, enable the endpoint and "
            "use \"Recover\" to send what failed since it broke.")
    for email in await admin_emails(infra, tenant.id):
        try:
            await mailer.send_branded(tenant.id, email, "{product}: a webhook endpoint was "
                                      "disabled", body)
        except Exception as exc:  # the endpoint stays disabled; the page shows why
            log.warning("webhooks.disabled_mail_failed", tenant=tenant.slug, error=str(exc))
    log.warning("webhooks.endpoint_disabled", tenant=tenant.slug, endpoint_id=endpoint.id,
                reason=endpoint.disabled_reason)


async def sweep_webhooks(ctx: dict[str, Any]) -> int:
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    if not infra.settings.webhooks.keys:
        return 0
    kicked = 0
    for tenant in await resolver.active():
        try:
            async with infra.dbs.tenant_session(tenant) as session:
                due = list(await session.scalars(
                    select(WebhookDelivery.endpoint_id).where(
                        WebhookDelivery.state == "pending",
                        WebhookDelivery.next_attempt_at <= utcnow()).distinct()))
            await kick(infra.jobs, tenant.id, due)
            kicked += len(due)
        except Exception as exc:  # one tenant's failure does not stop the rest
            log.warning("webhooks.sweep_failed", tenant=tenant.slug, error=str(exc))
    return kicked


JOBS: list[Any] = [deliver_webhooks]
CRONS = [cron(sweep_webhooks, second=10, unique=True, timeout=120)]
