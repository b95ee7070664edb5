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

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import structlog

from argus.platform.cameras.models import Camera, StreamKey
from argus.platform.core.db import Databases
from argus.platform.core.errors import Forbidden, Invalid
from argus.platform.core.jobs import Jobs
from argus.platform.core.settings import Settings
from argus.platform.identity.state import Identity
from argus.platform.identity.tokens import digest
from argus.platform.ingest.live import LiveRegistry, set_status
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

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
    def __init__(self, state) -> None:
        self.dbs: Databases = state["dbs"]
        self.identity: Identity = state["identity"]
        self.jobs: Jobs = state["jobs"]
        self.settings: Settings = state["settings"]
        self.control_schema = self.settings.database.control_schema
        self.live = LiveRegistry(state["redis"], self.control_schema)
        self.resolver: TenantResolver = state["resolver"]

    async def tenant(self, *, slug: str | None = None, id: str | None = None
                      ) -> TenantContext | None:
        """Through the host resolver's cache (invalidated over Redis on any tenant change)."""
        if slug is not None:
            return await self.resolver.by_slug(slug)
        return await self.resolver.by_id(id or "")

    async def publish(self, fields: dict[str, str], node_id: str, node_rtmp_url: str) -> Relay:
        if fields.get("app") != "live":
            raise Forbidden("publish only to the live application", code="bad_app")
        key, addr = fields.get("name", ""), fields.get("addr", "unknown")
        async with self.dbs.control_session() as session:
            row = await session.get(StreamKey, digest(key)) if key else None
        if row is None:
            await self.identity.spend(f"unknown-key:{addr}", *UNKNOWN_KEY_BUDGET)
            log.info("ingest.publish_refused", reason="unknown_key", addr=addr)
            raise Forbidden("unknown stream key", code="unknown_key")
        tenant = await self.tenant(id=row.tenant_id)
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
        if fields.get("clientid"):  # so that rotating the key can drop this publisher
            await self.live.remember_publisher(camera.id, node_id, fields["clientid"])
        port = urlsplit(node_rtmp_url).port or 1935
        name = internal_name(tenant.slug, camera.id)
        log.info("ingest.publish_accepted", tenant=tenant.slug, camera_id=camera.id, addr=addr)
        return Relay(f"rtmp://127.0.0.1:{port}/internal/{name}", tenant, camera.id)

    async def _internal(self, fields: dict[str, str]) -> tuple[TenantContext, str, str]:
        if fields.get("app") != "internal":
            raise Forbidden("status comes from the internal application", code="bad_app")
        name = fields.get("name", "")
        slug, camera_id = split_internal_name(name)
        tenant = await self.tenant(slug=slug)
        if tenant is None:
            raise Forbidden("unknown tenant", code="bad_stream")
        return tenant, camera_id, name

    async def went_live(self, fields: dict[str, str], node_id: str) -> None:
        """The internal application's publish: the camera is online on this node."""
        tenant, camera_id, name = await self._internal(fields)
        await self.live.went_live(node_id, tenant.id, name, camera_id)
        await set_status(self.dbs, self.identity.redis, self.control_schema, tenant, camera_id,
                         "online", node_id=node_id)

    async def went_down(self, fields: dict[str, str], node_id: str) -> None:
        """The internal application's publish_done: offline unless it is back within the
        grace period (a general worker checks then)."""
        tenant, camera_id, name = await self._internal(fields)
        await self.live.went_down(node_id, name, camera_id)
        await self.offline_after_grace(tenant, camera_id)

    async def offline_after_grace(self, tenant: TenantContext, camera_id: str) -> None:
        grace = self.settings.ingest.offline_grace
        if grace <= 0:
            await set_status(self.dbs, self.identity.redis, self.control_schema, tenant,
                             camera_id, "offline", only_from=("online", "connecting"))
            return
        await self.jobs.general("camera_offline_check", tenant.id, camera_id,
                                job_id=f"offline-check:{camera_id}:{time.time_ns()}",
                                defer=grace)
