"""Registering, changing and removing ingest nodes (the provider API, the CLI, Terraform).

A node is registered with its public URLs and capacity; its secret is made here, returned once
and stored as a hash. Removing a node that still carries live streams is refused (drain it
first); its camera placements are released so the next sweep places those cameras elsewhere."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import utcnow
from argus.platform.core.errors import Conflict, Invalid, NotFound
from argus.platform.identity.tokens import digest
from argus.platform.ingest.models import CameraPlacement, IngestNode
from argus.platform.ingest.placement import NODE_ALIVE

NODE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class NodeSpec:
    rtmp_url: str | None = None
    hls_url: str | None = None
    capacity: int | None = None
    state: str | None = None


def _check(spec: NodeSpec) -> None:
    if spec.rtmp_url is not None and (urlsplit(spec.rtmp_url).scheme != "rtmp"
                                      or not urlsplit(spec.rtmp_url).hostname):
        raise Invalid("rtmp_url must be rtmp://host[:port]/app", field="rtmp_url")
    if spec.hls_url is not None and (urlsplit(spec.hls_url).scheme not in ("http", "https")
                                     or not urlsplit(spec.hls_url).hostname):
        raise Invalid("hls_url must be http(s)://host[:port]", field="hls_url")
    if spec.capacity is not None and not 1 <= spec.capacity <= 100_000:
        raise Invalid("capacity must be between 1 and 100000 cameras", field="capacity")
    if spec.state is not None and spec.state not in ("active", "draining"):
        raise Invalid("state can be set to active or draining", field="state")


async def register_node(session: AsyncSession, node_id: str, spec: NodeSpec) -> str:
    """Create the node; its secret (shown once). 409 when the id is taken. Commits."""
    if not NODE_ID.match(node_id):
        raise Invalid("node ids are lowercase letters, digits and '-', at most 63", field="id")
    if spec.rtmp_url is None or spec.hls_url is None:
        raise Invalid("rtmp_url and hls_url are required",
                      field="rtmp_url" if spec.rtmp_url is None else "hls_url")
    _check(spec)
    if await session.get(IngestNode, node_id) is not None:
        raise Conflict(f"ingest node {node_id!r} exists", field="id", code="node_exists")
    secret = secrets.token_urlsafe(32)
    session.add(IngestNode(id=node_id, rtmp_url=spec.rtmp_url, hls_url=spec.hls_url,
                           capacity=spec.capacity or 100, state=spec.state or "active",
                           secret_hash=digest(secret), created_at=utcnow(),
                           updated_at=utcnow()))
    await session.commit()
    return secret


async def change_node(session: AsyncSession, node_id: str, spec: NodeSpec) -> IngestNode:
    """Set what ``spec`` names (URLs, capacity, active/draining). Commits."""
    _check(spec)
    node = await session.get(IngestNode, node_id, with_for_update=True)
    if node is None:
        raise NotFound(f"no ingest node {node_id!r}", code="unknown_node")
    for key in ("rtmp_url", "hls_url", "capacity", "state"):
        value = getattr(spec, key)
        if value is not None and getattr(node, key) != value:
            setattr(node, key, value)
            node.updated_at = utcnow()
    await session.commit()
    return node


async def remove_node(session: AsyncSession, node_id: str) -> None:
    """Delete the node and release its placements; 409 while it carries live streams."""
    node = await session.get(IngestNode, node_id, with_for_update=True)
    if node is None:
        raise NotFound(f"no ingest node {node_id!r}", code="unknown_node")
    live = node.last_heartbeat_at is not None and node.last_heartbeat_at > utcnow() - NODE_ALIVE
    if live and node.live_streams:
        raise Conflict(f"ingest node {node_id!r} carries {node.live_streams} live stream(s); "
                       "drain it first", field="id", code="node_busy")
    await session.execute(update(CameraPlacement).where(CameraPlacement.node_id == node_id)
                          .values(node_id=None))
    await session.execute(delete(IngestNode).where(IngestNode.id == node_id))
    await session.commit()
