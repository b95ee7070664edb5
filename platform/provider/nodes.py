"""``/provider/v1/ingest-nodes``: the fleet of ingest nodes and their health, for provider ops.

A node is ``live`` while its agent heartbeats; ``problems`` is what the agent last found wrong
(e.g. a recording directory nginx cannot write), ``null`` when healthy.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, get
from sqlalchemy import func, select

from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.ingest.models import CameraPlacement, IngestNode
from argus.platform.ingest.placement import NODE_ALIVE


class NodeOut(msgspec.Struct):
    id: str
    state: str
    live: bool
    rtmp_url: str
    hls_url: str
    capacity: int
    placed_cameras: int
    live_streams: int
    last_heartbeat_at: datetime | None
    problems: str | None


class NodeList(msgspec.Struct):
    items: list[NodeOut]


class ProviderNodeController(Controller):
    path = "/ingest-nodes"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @get("/", summary="Ingest nodes with load and health")
    async def list_nodes(self, dbs: Provided[Databases]) -> NodeList:
        async with dbs.control_session() as session:
            nodes = list(await session.scalars(select(IngestNode).order_by(IngestNode.id)))
            placed = dict((await session.execute(
                select(CameraPlacement.node_id, func.count())
                .group_by(CameraPlacement.node_id))).all())
        horizon = utcnow() - NODE_ALIVE
        return NodeList([NodeOut(
            n.id, n.state, bool(n.last_heartbeat_at and n.last_heartbeat_at > horizon),
            n.rtmp_url, n.hls_url, n.capacity, placed.get(n.id, 0), n.live_streams or 0,
            n.last_heartbeat_at, n.problems) for n in nodes])
