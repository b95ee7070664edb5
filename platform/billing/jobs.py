"""Billing crons that read the platform's domains (general worker).

``meter_billable_cameras`` (every 10 minutes): each enabled camera of each active tenant counts
once per UTC day in ``cameras_billable`` (key ``<camera>:<day>``; the ledger keeps each key
once, so the daily distinct count is the number of rows).

``watch_usage_thresholds`` (every 10 minutes): ``usage.threshold`` events for allowances at
80 % and 100 % (``thresholds.py``).

``dun_unpaid_invoices`` (hourly): reminders to the admins of a tenant whose finalized invoice is
nearly due, suspension (and a second e-mail) when it is overdue (``argus.billing.dunning``)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron
from sqlalchemy import select

from argus.billing.dunning import dun
from argus.billing.invoices import Invoice
from argus.billing.ledger import record_counts
from argus.billing.plans import PlanBook
from argus.platform.billing.thresholds import check_thresholds
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import from_ctx
from argus.platform.core.mail import Mailer
from argus.platform.identity.admins import admin_emails
from argus.tenants.resolution import TenantResolver
from argus.tenants.service import TenantService

log = structlog.get_logger("argus.worker")


async def meter_billable_cameras(ctx: dict[str, Any]) -> int:
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    day = utcnow().date()
    counted = 0
    for tenant in await resolver.active():
        try:
            async with infra.dbs.tenant_session(tenant) as session:
                ids = list(await session.scalars(select(Camera.id).where(
                    Camera.enabled.is_(True))))
                await record_counts(session, "cameras_billable",
                                    [f"{i}:{day.isoformat()}" for i in ids], day)
                await session.commit()
            counted += len(ids)
        except Exception as exc:  # one tenant's failure does not stop the rest
            log.warning("usage.billable_cameras_failed", tenant=tenant.slug, error=str(exc))
    return counted


async def watch_usage_thresholds(ctx: dict[str, Any]) -> int:
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    plans = from_ctx(ctx, PlanBook)
    told = 0
    for tenant in await resolver.active():
        try:
            limits = await plans.limits(tenant.plan)
            async with infra.dbs.tenant_session(tenant) as session:
                announced = await check_thresholds(tenant, limits, infra.dbs, session)
            await announced.dispatch(infra.jobs, tenant.id)
            told += bool(announced.endpoints or announced.alerts)
        except Exception as exc:  # one tenant's failure does not stop the rest
            log.warning("usage.thresholds_failed", tenant=tenant.slug, error=str(exc))
    return told


_MAIL = {
    "reminder": ("{product}: invoice for %(period)s due %(due)s",
                 "Your invoice for %(period)s (%(amount)s) is due on %(due)s. If it is not paid "
                 "by then, your account will be suspended until it is."),
    "suspended": ("{product}: account suspended for an unpaid invoice",
                  "Your invoice for %(period)s (%(amount)s) was due on %(due)s and is unpaid, "
                  "so your account is suspended. It is resumed as soon as the invoice is paid."),
}


async def dun_unpaid_invoices(ctx: dict[str, Any]) -> dict[str, int]:
    infra = from_ctx(ctx, Infra)
    mailer, tenants = from_ctx(ctx, Mailer), from_ctx(ctx, TenantService)

    async def notify(invoice: Invoice, slug: str, kind: str) -> None:
        subject, body = _MAIL[kind]
        facts = {"period": invoice.period, "due": f"{invoice.due_at:%Y-%m-%d}",
                 "amount": f"{invoice.total / 100:.2f} {invoice.currency}"}
        for email in await admin_emails(infra, invoice.tenant_id):
            await mailer.send_branded(invoice.tenant_id, email, subject % facts, body % facts)

    async def set_state(slug: str, state: str) -> None:
        await tenants.update(slug, state=state)

    return await dun(infra.dbs, infra.settings.billing.reminder_days, notify, set_state)


JOBS: list[Any] = []
CRONS = [cron(meter_billable_cameras, minute=set(range(2, 60, 10)), second=15, unique=True,
              timeout=300),
         cron(watch_usage_thresholds, minute=set(range(7, 60, 10)), second=25, unique=True,
              timeout=300),
         cron(dun_unpaid_invoices, minute=33, second=0, unique=True, timeout=600)]
