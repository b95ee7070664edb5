"""Billing crons that read the platform's domains (general worker).

``meter_billable_cameras`` (every 10 minutes): each enabled camera of each active tenant counts
once per UTC day in ``cameras_billable`` (key ``<camera>:<day>``; the ledger keeps each key
once, so the daily distinct count is the number of rows)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron
from sqlalchemy import select

from argus.billing.ledger import record_counts
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import from_ctx
from argus.tenants.resolution import TenantResolver

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


JOBS: list[Any] = []
CRONS = [cron(meter_billable_cameras, minute=set(range(2, 60, 10)), second=15, unique=True,
              timeout=300)]
