"""Placing cameras on ingest nodes: the least-loaded live node, and moving off dead ones.

A node is live while its agent heartbeats (``NODE_ALIVE``). Load is the number of cameras
placed on a node over its capacity. Nodes registered but never heartbeating (no agent yet)
are used only when no live node exists, so a fresh install still hands out an ingest URL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import utcnow
from argus.platform.core.errors import NotFound
from argus.platform.ingest.models import CameraPlacement, IngestNode

NODE_ALIVE = timedelta(seconds=30)


def _alive():
    return IngestNode.last_heartbeat_at > utcnow() - NODE_ALIVE


async def least_loaded(session: AsyncSession, exclude: tuple[str, ...] = ()) -> IngestNode | None:
    load = (select(CameraPlacement.node_id, func.count().label("n"))
            .group_by(CameraPlacement.node_id).subquery())
    query = (select(IngestNode)
             .outerjoin(load, load.c.node_id == IngestNode.id)
             .where(IngestNode.state == "active")
             .order_by(_alive().desc(),
                       (func.coalesce(load.c.n, 0) / func.greatest(IngestNode.capacity, 1)),
                       IngestNode.id)
             .limit(1))
    if exclude:
        query = query.where(IngestNode.id.not_in(exclude))
    return await session.scalar(query)


async def place(session: AsyncSession, tenant_id: str, camera_id: str, *, pull: bool,
                enabled: bool, abr: bool = False) -> IngestNode | None:
    """Place a new camera (in the caller's transaction); the node, or None without nodes."""
    node = await least_loaded(session)
    session.add(CameraPlacement(camera_id=camera_id, tenant_id=tenant_id,
                                node_id=node.id if node else None, pull=pull, enabled=enabled,
                                abr=abr))
    return node


async def dead_nodes(session: AsyncSession) -> list[IngestNode]:
    """Active nodes whose agent stopped heartbeating."""
    return list(await session.scalars(
        select(IngestNode).where(IngestNode.state == "active",
                                 IngestNode.last_heartbeat_at.is_not(None), ~_alive())))


async def rebalance(session: AsyncSession, batch: int = 500) -> list[tuple[str, str, str]]:
    """Move every camera off nodes that are not live (and place unplaced ones) onto the live
    nodes, least loaded first, in committed batches. Returns (tenant id, camera id, node id)
    for each move."""
    nodes = list(await session.scalars(select(IngestNode).where(
        IngestNode.state == "active", _alive())))
    if not nodes:
        return []
    live = [n.id for n in nodes]
    load = dict.fromkeys(live, 0)
    load.update(dict((await session.execute(
        select(CameraPlacement.node_id, func.count()).where(CameraPlacement.node_id.in_(live))
        .group_by(CameraPlacement.node_id))).all()))
    moves: list[tuple[str, str, str]] = []
    while True:
        rows = list(await session.scalars(
            select(CameraPlacement)
            .where(or_(CameraPlacement.node_id.is_(None), CameraPlacement.node_id.not_in(live)))
            .limit(batch)))
        if not rows:
            return moves
        for row in rows:
            node = min(nodes, key=lambda n: (load[n.id] / max(n.capacity, 1), n.id))
            load[node.id] += 1
            row.node_id = node.id
            moves.append((row.tenant_id, row.camera_id, node.id))
        await session.commit()


async def set_state(session: AsyncSession, node_id: str, state: str) -> IngestNode:
    """An operator drains a node (``draining``: nothing new lands on it, and the next sweep
    moves its placements to live nodes) or takes it back (``active``). Commits."""
    node = await session.get(IngestNode, node_id, with_for_update=True)
    if node is None:
        raise NotFound(f"no ingest node {node_id!r}", code="unknown_node")
    node.state = state
    await session.commit()
    return node
