"""What nginx-rtmp asks the control plane, and the answers (``/internal/rtmp/*``).

nginx posts a url-encoded body: its own fields first (``app``, ``name``, ``addr``, ...), then
the publisher's raw query string. A publisher can therefore send ``name`` twice; any repeated
field is refused rather than guessed at. Every call carries the node's id and secret in the
callback URL's query (the config ``argus ingest render-config`` writes).

``publish`` (application ``live``): the stream key must belong to an enabled camera of an active
tenant; the answer is a 302 to ``rtmp://127.0.0.1:<port>/internal/<tenant>__<camera>``, which
makes nginx relay the stream into the internal application under that name. Anything else is a
403, which nginx turns into a refused publish. Unknown keys are budgeted per source address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import structlog
from sqlalchemy import select, update

from argus.platform.cameras.models import Camera, StreamKey
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.errors import Forbidden, Invalid
from argus.platform.core.events import events_channel
from argus.platform.identity.state import Identity
from argus.platform.identity.tokens import digest
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.ingest")
UNKNOWN_KEY_BUDGET = (30, 60)  # refused keys per source address per minute


def parse_callback(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise Invalid("callback body is not url-encoded", field="body") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise Forbidden(f"field {key!r} appears twice", code="duplicate_field")
        fields[key] = value
    return fields


def internal_name(tenant_slug: str, camera_id: str) -> str:
    return f"{tenant_slug}__{camera_id}"


def split_internal_name(name: str) -> tuple[str, str]:
    slug, sep, camera_id = name.partition("__")
    if not sep or not slug or len(camera_id) != 36:
        raise Forbidden("not an internal stream name", code="bad_stream")
    return slug, camera_id


@dataclass(frozen=True)
class Relay:
    location: str
    tenant: TenantContext
    camera_id: str


class Callbacks:
    def __init__(self, dbs: Databases, identity: Identity, control_schema: str) -> None:
        self.dbs = dbs
        self.identity = identity
        self.control_schema = control_schema

    async def _tenant(self, **where) -> TenantContext | None:
        column, value = next(iter(where.items()))
        async with self.dbs.control_session() as session:
            row = await session.scalar(select(Tenant).where(getattr(Tenant, column) == value))
        return TenantContext.from_row(row) if row is not None else None

    async def publish(self, fields: dict[str, str], node_rtmp_url: str) -> Relay:
        if fields.get("app") != "live":
            raise Forbidden("publish only to the live application", code="bad_app")
        key, addr = fields.get("name", ""), fields.get("addr", "unknown")
        async with self.dbs.control_session() as session:
            row = await session.get(StreamKey, digest(key)) if key else None
        if row is None:
            await self.identity.spend(f"unknown-key:{addr}", *UNKNOWN_KEY_BUDGET)
            log.info("ingest.publish_refused", reason="unknown_key", addr=addr)
            raise Forbidden("unknown stream key", code="unknown_key")
        tenant = await self._tenant(id=row.tenant_id)
        if tenant is None or tenant.state != "active":
            log.info("ingest.publish_refused", reason="tenant_not_active", addr=addr)
            raise Forbidden("tenant is not active", code="tenant_unavailable")
        maker = self.dbs.tenant_sessions(tenant.db_cluster, tenant.schema)
        async with maker() as session:
            camera = await session.get(Camera, row.camera_id)
        if camera is None or not camera.enabled:
            log.info("ingest.publish_refused", reason="camera_disabled", tenant=tenant.slug,
                     camera_id=row.camera_id)
            raise Forbidden("camera is disabled or gone", code="camera_unavailable")
        port = urlsplit(node_rtmp_url).port or 1935
        name = internal_name(tenant.slug, camera.id)
        log.info("ingest.publish_accepted", tenant=tenant.slug, camera_id=camera.id, addr=addr)
        return Relay(f"rtmp://127.0.0.1:{port}/internal/{name}", tenant, camera.id)

    async def set_status(self, fields: dict[str, str], status: str, node_id: str) -> None:
        """The internal application's publish / publish_done: the camera is online / offline."""
        if fields.get("app") != "internal":
            raise Forbidden("status comes from the internal application", code="bad_app")
        slug, camera_id = split_internal_name(fields.get("name", ""))
        tenant = await self._tenant(slug=slug)
        if tenant is None:
            raise Forbidden("unknown tenant", code="bad_stream")
        now = utcnow()
        values = {"status": status, "last_seen_at": now, "status_reason": None,
                  "ingest_node_id": node_id if status == "online" else None}
        maker = self.dbs.tenant_sessions(tenant.db_cluster, tenant.schema)
        async with maker() as session:
            result = await session.execute(update(Camera).where(Camera.id == camera_id)
                                           .values(**values))
            await session.commit()
        if result.rowcount:
            event = {"type": "camera-status", "cameraId": camera_id, "status": status,
                     "at": now.isoformat()}
            await self.identity.redis.publish(events_channel(self.control_schema, tenant.id),
                                              json.dumps(event))
            log.info("camera.status", tenant=slug, camera_id=camera_id, status=status)
