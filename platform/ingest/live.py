"""What is live where, in Redis, and camera status changes with their events.

- ``live:<camera>`` → the node carrying the camera now (absent: nobody publishes).
- ``node-live:<node>`` hash, internal stream name → tenant id: what a node carries, so a node
  that dies can have its cameras marked offline and its agent can compare with nginx's stat.
- ``publisher:<camera>`` → the node and nginx client id of the camera's publisher on the
  ``live`` application, so a rotated key can have its publisher dropped.
- ``over-plan:<camera>`` → the bitrate and height a node measured over the tenant's plan, so
  the camera's next publish is refused too, until the plan allows them (``OVER_PLAN_TTL``).

``set_status`` writes a camera's status only when it changes (and its availability history,
``analytics.history``) and announces each change as a
``camera-status`` event on the tenant's channel, followed by a ``dashboard-update`` with the
tenant's camera counts per status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from sqlalchemy import update

from argus.platform.alerts.announce import Announced, announce
from argus.platform.analytics.history import record
from argus.platform.cameras.counts import camera_counts
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.core.keys import live_prefix
from argus.platform.events.types import CameraStatus, DashboardUpdate, publish
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.ingest")
PUBLISHER_TTL = 7 * 24 * 3600
WEBHOOK_STATUSES = ("online", "offline", "error")  # "connecting" is not an event
OVER_PLAN_TTL = 24 * 3600


@dataclass(frozen=True)
class Publisher:
    node_id: str
    client_id: str


class LiveRegistry:
    def __init__(self, redis: Redis, control_schema: str) -> None:
        self.redis = redis
        self.prefix = live_prefix(control_schema)

    async def went_live(self, node_id: str, tenant_id: str, name: str, camera_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{self.prefix}:live:{camera_id}", node_id)
            pipe.hset(f"{self.prefix}:node-live:{node_id}", name, tenant_id)
            await pipe.execute()

    async def went_down(self, node_id: str, name: str, camera_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(f"{self.prefix}:live:{camera_id}")
            pipe.hdel(f"{self.prefix}:node-live:{node_id}", name)
            await pipe.execute()

    async def live_on(self, camera_id: str) -> str | None:
        return await self.redis.get(f"{self.prefix}:live:{camera_id}")

    async def node_streams(self, node_id: str) -> dict[str, str]:
        return await self.redis.hgetall(f"{self.prefix}:node-live:{node_id}")

    async def remember_publisher(self, camera_id: str, node_id: str, client_id: str) -> None:
        await self.redis.set(f"{self.prefix}:publisher:{camera_id}",
                             json.dumps([node_id, client_id]), ex=PUBLISHER_TTL)

    async def take_publisher(self, camera_id: str) -> Publisher | None:
        raw = await self.redis.getdel(f"{self.prefix}:publisher:{camera_id}")
        return Publisher(*json.loads(raw)) if raw else None

    async def mark_over_plan(self, camera_id: str, kbps: int | None, height: int | None) -> None:
        await self.redis.set(f"{self.prefix}:over-plan:{camera_id}", json.dumps([kbps, height]),
                             ex=OVER_PLAN_TTL)

    async def over_plan(self, camera_id: str) -> tuple[int | None, int | None] | None:
        raw = await self.redis.get(f"{self.prefix}:over-plan:{camera_id}")
        return tuple(json.loads(raw)) if raw else None  # type: ignore[return-value]

    async def clear_over_plan(self, camera_id: str) -> None:
        await self.redis.delete(f"{self.prefix}:over-plan:{camera_id}")


async def set_status(infra: Infra, tenant: TenantContext, camera_id: str, status: str, *,
                     reason: str | None = None, node_id: str | None = None,
                     only_from: tuple[str, ...] | None = None) -> bool:
    """Set the status if it differs (and, with ``only_from``, only from those states); announce
    the change (``camera.online``/``offline``/``error`` to webhooks and notification rules in
    the same transaction, then on the events socket). True when the camera changed."""
    now = utcnow()
    values: dict = {"status": status, "status_reason": reason}
    if status == "online":
        values.update(last_seen_at=now, ingest_node_id=node_id)
    else:
        values.update(video_codec=None, width=None, height=None, fps=None, bitrate_kbps=None)
    query = update(Camera).where(Camera.id == camera_id, Camera.status != status)
    if only_from:
        query = query.where(Camera.status.in_(only_from))
    announced = Announced()
    async with infra.dbs.tenant_session(tenant) as session:
        result = await session.execute(query.values(**values))
        if result.rowcount or status == "online":  # back within the grace: history says so
            await record(session, camera_id, status, reason, now)
        if result.rowcount and status in WEBHOOK_STATUSES:
            data = {"camera_id": camera_id, "status": status, "reason": reason}
            if node_id:
                data["node_id"] = node_id
            announced = await announce(session, f"camera.{status}", data)
        await session.commit()
        if result.rowcount:
            counts = await camera_counts(session)
    if not result.rowcount:
        return False
    await announced.dispatch(infra.jobs, tenant.id)
    redis, control_schema = infra.redis, infra.settings.database.control_schema
    await publish(redis, control_schema, tenant.id,
                  CameraStatus(camera_id=camera_id, status=status, reason=reason, at=now))
    await publish(redis, control_schema, tenant.id, DashboardUpdate(cameras=counts, at=now))
    log.info("camera.status", tenant=tenant.slug, camera_id=camera_id, status=status,
             reason=reason)
    return True
