"""Ingest jobs. General worker: the grace-period check of a camera that lost its publisher,
and the sweep over dead nodes. Node agent (its own queue): drop a publisher (asked for by
``publisher_cutter``), finalize a recorded piece."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from arq import cron
from sqlalchemy import select, update

from argus.billing.sessions import end_sessions
from argus.platform.cameras.models import Camera
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import from_ctx
from argus.platform.ingest.live import LiveRegistry, set_status
from argus.platform.ingest.models import CameraPlacement
from argus.platform.ingest.names import split_internal_name
from argus.platform.ingest.placement import dead_nodes, rebalance
from argus.platform.ingest.provider_alerts import tell_provider
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.worker")


async def camera_offline_check(ctx: dict[str, Any], tenant_id: str, camera_id: str) -> str:
    """Deferred by the grace period after a publisher left: offline unless it came back."""
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    live = LiveRegistry(infra.redis, infra.settings.database.control_schema)
    if await live.live_on(camera_id):
        return "live"
    tenant = await resolver.load(tenant_id)
    if tenant is None:
        return "gone"
    changed = await set_status(infra, tenant, camera_id, "offline",
                               only_from=("online", "connecting"))
    return "offline" if changed else "unchanged"


async def reconcile_nodes(ctx: dict[str, Any]) -> int:
    """Nodes whose agent stopped heartbeating: their streams are gone (offline now, the grace
    period has passed) and their cameras move to live nodes. Returns cameras touched."""
    infra, resolver = from_ctx(ctx, Infra), from_ctx(ctx, TenantResolver)
    schema = infra.settings.database.control_schema
    live = LiveRegistry(infra.redis, schema)
    touched = 0
    async with infra.dbs.control_session() as session:
        dead = await dead_nodes(session)
        for node in dead:
            node.state = "offline"
            log.warning("ingest.node_dead", node=node.id, last_heartbeat=str(
                node.last_heartbeat_at))
        await session.commit()
        for node in dead:
            streams = len(await live.node_streams(node.id))
            await tell_provider(infra, f"node {node.id} is down", (
                f"Ingest node {node.id} ({node.rtmp_url}) stopped heartbeating; the last "
                f"heartbeat was at {node.last_heartbeat_at:%Y-%m-%d %H:%M:%S} UTC. Its "
                f"{streams} live stream(s) are marked offline and its cameras move to live "
                "nodes. You get another e-mail when it is back."))
        for node in dead:
            for name, tenant_id in (await live.node_streams(node.id)).items():
                _slug, camera_id = split_internal_name(name)
                await live.went_down(node.id, name, camera_id)
                tenant = await resolver.load(tenant_id)
                if tenant is not None:
                    await end_sessions(infra.dbs, tenant, camera_id)
                    await set_status(infra, tenant, camera_id,
                                     "offline", reason="ingest node lost",
                                     only_from=("online", "connecting"))
                    touched += 1
        moves = await rebalance(session)
    by_tenant: dict[tuple[str, str], list[str]] = {}
    for tenant_id, camera_id, node_id in moves:
        by_tenant.setdefault((tenant_id, node_id), []).append(camera_id)
    for (tenant_id, node_id), camera_ids in by_tenant.items():
        tenant = await resolver.load(tenant_id)
        if tenant is None:
            continue
        async with infra.dbs.tenant_session(tenant) as session:
            await session.execute(update(Camera).where(Camera.id.in_(camera_ids))
                                  .values(ingest_node_id=node_id))
            await session.commit()
        touched += len(camera_ids)
    if moves:
        log.info("ingest.cameras_moved", count=len(moves))
    return touched


async def drop_publisher(ctx: dict[str, Any], app: str, client_id: str) -> bool:
    """Node job: drop one publisher (a rotated key, a disabled camera, a suspended tenant)."""
    from argus.platform.ingest.agent import NodeAgent

    return await from_ctx(ctx, NodeAgent).drop(app, client_id)


async def finalize_recording(ctx: dict[str, Any], path: str) -> str:
    """Node job: a piece nginx closed; its recordings are finalized when ready."""
    from argus.platform.recordings.finalize import Finalizer

    return await from_ctx(ctx, Finalizer).finalize(path)


def publisher_cutter(infra: Infra) -> Callable[[str], Awaitable[None]]:
    """``cut(camera_id)``: ask the node carrying the camera's publisher to drop it."""
    live = LiveRegistry(infra.redis, infra.settings.database.control_schema)
    jobs = infra.jobs

    async def cut(camera_id: str) -> None:
        publisher = await live.take_publisher(camera_id)
        if publisher is not None:
            await jobs.node(publisher.node_id, drop_publisher, "live", publisher.client_id)
            log.info("ingest.publisher_cut", camera_id=camera_id, node=publisher.node_id)

    return cut


async def drop_tenant_publishers(infra: Infra, tenant_id: str) -> int:
    """Drop the live publishers of every camera of a tenant (suspended or being deleted)."""
    async with infra.dbs.control_session() as session:
        camera_ids = list(await session.scalars(
            select(CameraPlacement.camera_id).where(CameraPlacement.tenant_id == tenant_id)))
    cut = publisher_cutter(infra)
    for camera_id in camera_ids:
        await cut(camera_id)
    log.info("ingest.tenant_publishers_dropped", tenant_id=tenant_id, cameras=len(camera_ids))
    return len(camera_ids)


JOBS = [camera_offline_check]
CRONS = [cron(reconcile_nodes, second=set(range(0, 60, 10)), unique=True, timeout=60)]
FINALIZE_TIMEOUT = 900  # a 60-minute chunk: remux and upload of ~1 GB
NODE_JOBS = [(drop_publisher, 30, 1), (finalize_recording, FINALIZE_TIMEOUT, 5)]  # timeout, tries
