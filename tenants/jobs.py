"""Tenant jobs (general worker): provisioning and deletion, and the sweep that finishes what
a crash left half done.

Every job is idempotent: provisioning and deletion run only the steps still missing, so a job
rerun after a crash (arq is at-least-once) ends in the same single tenant, or none.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from arq import cron
from sqlalchemy import select

from argus.platform.core.db import utcnow
from argus.platform.core.errors import NotFound
from argus.platform.core.jobs import from_ctx
from argus.tenants.models import Tenant
from argus.tenants.service import TenantService

log = structlog.get_logger("argus.worker")
STUCK_AFTER = timedelta(minutes=2)


async def provision_tenant(ctx: dict[str, Any], slug: str) -> str:
    try:
        tenant = await from_ctx(ctx, TenantService).provision(slug)
    except NotFound:
        return "gone"
    return tenant.state


async def delete_tenant(ctx: dict[str, Any], slug: str) -> str:
    try:
        await from_ctx(ctx, TenantService).delete(slug)
    except NotFound:
        return "gone"
    return "deleted"


async def finish_unfinished_tenants(ctx: dict[str, Any]) -> int:
    """Finish tenants left in ``provisioning`` or ``deleting`` by a crash."""
    service = from_ctx(ctx, TenantService)
    async with service.dbs.control_session() as session:
        rows = list(await session.execute(
            select(Tenant.slug, Tenant.state)
            .where(Tenant.state.in_(("provisioning", "deleting")),
                   Tenant.updated_at < utcnow() - STUCK_AFTER)
            .limit(100)))
    for slug, state in rows:
        try:
            if state == "provisioning":
                await service.provision(slug)
            else:
                await service.delete(slug)
        except Exception as exc:  # one tenant must not stop the sweep
            log.warning("tenant.finish_failed", tenant=slug, state=state, error=str(exc))
    return len(rows)


JOBS = [provision_tenant, delete_tenant]
CRONS = [cron(finish_unfinished_tenants, second=0, unique=True, timeout=300)]
