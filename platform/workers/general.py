"""The general arq worker: provisioning and deletion jobs, and the sweep that finishes them;
the grace-period check of cameras that lost their publisher, and the sweep over dead nodes.

Every job is idempotent: provisioning and deletion run only the steps still missing, so a job
rerun after a crash (arq is at-least-once) ends in the same single tenant, or none.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from arq import cron
from sqlalchemy import select, update

from argus.billing.ledger import drain_outbox
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.errors import NotFound
from argus.platform.core.jobs import general_queue
from argus.platform.core.logging import configure_logging
from argus.platform.core.redis import arq_settings
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings
from argus.platform.ingest.live import LiveRegistry, set_status
from argus.platform.ingest.names import split_internal_name
from argus.platform.ingest.placement import dead_nodes, rebalance
from argus.platform.recordings.clips import expire_clips
from argus.platform.recordings.clips import export_clip as run_clip_export
from argus.platform.recordings.lifecycle import apply_retention, apply_tiers, load_policy
from argus.platform.services import CTX_KEY, Services, services_of
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.worker")
STUCK_AFTER = timedelta(minutes=2)


async def provision_tenant(ctx: dict, slug: str) -> str:
    try:
        tenant = await services_of(ctx).tenant_service.provision(slug)
    except NotFound:
        return "gone"
    return tenant.state


async def delete_tenant(ctx: dict, slug: str) -> str:
    try:
        await services_of(ctx).tenant_service.delete(slug)
    except NotFound:
        return "gone"
    return "deleted"


async def finish_unfinished_tenants(ctx: dict) -> int:
    """Finish tenants left in ``provisioning`` or ``deleting`` by a crash."""
    services = services_of(ctx)
    service = services.tenant_service
    async with services.dbs.control_session() as session:
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


async def camera_offline_check(ctx: dict, tenant_id: str, camera_id: str) -> str:
    """Deferred by the grace period after a publisher left: offline unless it came back."""
    services = services_of(ctx)
    live = LiveRegistry(services.redis, services.settings.database.control_schema)
    if await live.live_on(camera_id):
        return "live"
    tenant = await services.resolver.load(tenant_id)
    if tenant is None:
        return "gone"
    changed = await set_status(services.dbs, services.redis,
                               services.settings.database.control_schema,
                               tenant, camera_id, "offline", only_from=("online", "connecting"))
    return "offline" if changed else "unchanged"


async def reconcile_nodes(ctx: dict) -> int:
    """Nodes whose agent stopped heartbeating: their streams are gone (offline now, the grace
    period has passed) and their cameras move to live nodes. Returns cameras touched."""
    services = services_of(ctx)
    schema = services.settings.database.control_schema
    live = LiveRegistry(services.redis, schema)
    touched = 0
    async with services.dbs.control_session() as session:
        dead = await dead_nodes(session)
        for node in dead:
            node.state = "offline"
            log.warning("ingest.node_dead", node=node.id, last_heartbeat=str(
                node.last_heartbeat_at))
        await session.commit()
        for node in dead:
            for name, tenant_id in (await live.node_streams(node.id)).items():
                _slug, camera_id = split_internal_name(name)
                await live.went_down(node.id, name, camera_id)
                tenant = await services.resolver.load(tenant_id)
                if tenant is not None:
                    await set_status(services.dbs, services.redis, schema, tenant, camera_id,
                                     "offline", reason="ingest node lost",
                                     only_from=("online", "connecting"))
                    touched += 1
        moves = await rebalance(session)
    by_tenant: dict[tuple[str, str], list[str]] = {}
    for tenant_id, camera_id, node_id in moves:
        by_tenant.setdefault((tenant_id, node_id), []).append(camera_id)
    for (tenant_id, node_id), camera_ids in by_tenant.items():
        tenant = await services.resolver.load(tenant_id)
        if tenant is None:
            continue
        async with services.dbs.tenant_session(tenant) as session:
            await session.execute(update(Camera).where(Camera.id.in_(camera_ids))
                                  .values(ingest_node_id=node_id))
            await session.commit()
        touched += len(camera_ids)
    if moves:
        log.info("ingest.cameras_moved", count=len(moves))
    return touched


async def recording_lifecycle(ctx: dict) -> dict:
    """Retention, then tiers, tenant by tenant (one failing tenant does not stop the rest)."""
    services = services_of(ctx)
    totals = {"expired": 0, "tiered": 0, "clips_expired": 0, "failed": 0}
    for tenant in await services.resolver.active():
        try:
            totals["expired"] += await apply_retention(services, tenant)
            totals["tiered"] += await apply_tiers(services, tenant)
            async with services.dbs.tenant_session(tenant) as s:
                keep = (await load_policy(s)).clip_retention_days
            totals["clips_expired"] += (await expire_clips(services, tenant, keep))["expired"]
        except Exception as exc:
            totals["failed"] += 1
            log.warning("recordings.lifecycle_failed", tenant=tenant.slug, error=str(exc))
    return totals


async def drain_usage(ctx: dict) -> int:
    """Every tenant's usage outbox into the ledger (what a finalizer could not drain itself)."""
    services = services_of(ctx)
    new = 0
    for tenant in await services.resolver.active():
        try:
            new += await drain_outbox(services.dbs, tenant)
        except Exception as exc:
            log.warning("usage.drain_failed", tenant=tenant.slug, error=str(exc))
    return new


async def verify_pending_domains(ctx: dict) -> dict:
    """Custom domains whose TXT record or well-known file may have appeared since they were
    added are verified without the tenant asking again."""
    return await services_of(ctx).domains.recheck_pending()


async def export_clip(ctx: dict, tenant_id: str, clip_id: str) -> str:
    services = services_of(ctx)
    tenant = await services.resolver.load(tenant_id)
    if tenant is None:
        return "gone"
    return await run_clip_export(services, tenant, clip_id)


async def startup(ctx: dict) -> None:
    settings: Settings = ctx.get("settings") or Settings.from_env()
    configure_logging(settings.log_json, settings.log_level)
    ctx[CTX_KEY] = Services.build(settings)
    tune_gc()


async def shutdown(ctx: dict) -> None:
    if CTX_KEY in ctx:
        await services_of(ctx).close()


def worker_settings(settings: Settings) -> dict:
    return {
        "functions": [provision_tenant, delete_tenant, camera_offline_check, export_clip],
        "cron_jobs": [cron(finish_unfinished_tenants, second=0, unique=True, timeout=300),
                      cron(reconcile_nodes, second=set(range(0, 60, 10)), unique=True,
                           timeout=60),
                      # hourly: retention promptly, tiers whenever a recording crosses an age
                      cron(recording_lifecycle, minute=17, second=0, unique=True,
                           timeout=290),  # a longer run resumes next hour
                      cron(drain_usage, second=40, unique=True, timeout=120),
                      cron(verify_pending_domains, minute=set(range(2, 60, 5)), second=30,
                           unique=True, timeout=120)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": arq_settings(settings.redis.url),
        "queue_name": general_queue(settings),
        "ctx": {"settings": settings},
        "job_timeout": 300,
        "max_jobs": 10,
    }

