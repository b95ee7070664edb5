"""The general arq worker: provisioning and deletion jobs, and the sweep that finishes them.

Every job is idempotent: provisioning and deletion run only the steps still missing, so a job
rerun after a crash (arq is at-least-once) ends in the same single tenant, or none.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from arq import cron
from arq.connections import RedisSettings
from sqlalchemy import select

from argus.platform.app import build_state, close_state
from argus.platform.core.db import utcnow
from argus.platform.core.errors import NotFound
from argus.platform.core.logging import configure_logging
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.worker")
STUCK_AFTER = timedelta(minutes=2)


async def provision_tenant(ctx: dict, slug: str) -> str:
    try:
        tenant = await ctx["tenant_service"].provision(slug)
    except NotFound:
        return "gone"
    return tenant.state


async def delete_tenant(ctx: dict, slug: str) -> str:
    try:
        await ctx["tenant_service"].delete(slug)
    except NotFound:
        return "gone"
    return "deleted"


async def finish_unfinished_tenants(ctx: dict) -> int:
    """Finish tenants left in ``provisioning`` or ``deleting`` by a crash."""
    service = ctx["tenant_service"]
    async with ctx["dbs"].control_session() as session:
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


async def startup(ctx: dict) -> None:
    settings: Settings = ctx.get("settings") or Settings.from_env()
    configure_logging(settings.log_json, settings.log_level)
    ctx.update(build_state(settings))
    tune_gc()


async def shutdown(ctx: dict) -> None:
    await close_state(ctx)


def queue_name(settings: Settings) -> str:
    return f"argus:{settings.database.control_schema}:general"


def worker_settings(settings: Settings) -> dict:
    return {
        "functions": [provision_tenant, delete_tenant],
        "cron_jobs": [cron(finish_unfinished_tenants, second=0, unique=True, timeout=300)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis.url),
        "queue_name": queue_name(settings),
        "ctx": {"settings": settings},
        "job_timeout": 300,
        "max_jobs": 10,
    }

