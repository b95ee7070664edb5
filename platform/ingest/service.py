"""What nginx-rtmp asks the control plane, and the answers (``/internal/rtmp/*``).

nginx posts a url-encoded body: its own fields first (``app``, ``name``, ``addr``, ...), then
the publisher's raw query string. A publisher can therefore send ``name`` twice; any repeated
field is refused rather than guessed at. Every call carries the node's id and secret in the
callback URL's query (the config ``argus ingest render-config`` writes).

``publish`` (application ``live``): the stream key must belong to an enabled camera of an active
tenant; the answer is a 302 whose ``Location`` is the internal name ``<tenant>__<camera>``
without a scheme, which renames the stream inside ``live``: its recording is written under that
name from the first keyframe on, and the ``push`` of ``live`` relays it under that name into
the ``internal`` application, which makes the HLS. (The relay joins on the next keyframe, so
live view starts one keyframe interval later than the recording.) Later callbacks of ``live``
still carry the key: they are never logged. This node's RTSP relays publish under the
internal name of an ``rtsp_pull`` camera with the node's relay token and are answered 200.
Anything else is a 403, which nginx turns into a refused publish. Unknown keys are budgeted
per source address.

``StreamStatus`` is that service (one per process); ``controller.py`` only decodes the bodies.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import structlog
from sqlalchemy import and_, func, or_, select

from argus.billing.plans import PlanBook
from argus.billing.quotas import stream_refusal, within_allowance
from argus.billing.sessions import end_sessions, open_session
from argus.platform.analytics.history import record
from argus.platform.cameras.models import Camera, StreamKey
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Forbidden, Invalid
from argus.platform.core.infra import Infra
from argus.platform.events.types import RecordingStarted, publish
from argus.platform.identity.state import Identity
from argus.platform.identity.tokens import digest
from argus.platform.ingest.jobs import camera_offline_check, finalize_recording
from argus.platform.ingest.live import LiveRegistry, set_status
from argus.platform.ingest.names import (
    INTERNAL_NAME,
    internal_name,
    parse_piece,
    split_internal_name,
)
from argus.platform.ingest.refusals import QUOTA, tell_refused
from argus.platform.ingest.signing import relay_token
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.ingest")
QUOTA_REASON = QUOTA
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


@dataclass(frozen=True)
class Admission:
    """An accepted publish: the stream goes on under ``name`` (its internal name)."""

    name: str
    tenant: TenantContext
    camera_id: str


class StreamStatus:
    """What nginx-rtmp's callbacks mean: admit or refuse a publish, mark a camera live or
    down, hand a closed chunk to its finalizer. One per process (``Services.stream_status``)."""

    def __init__(self, infra: Infra, identity: Identity, resolver: TenantResolver,
                 plans: PlanBook) -> None:
        self.infra = infra
        self.dbs = infra.dbs
        self.plans = plans
        self.identity = identity
        self.jobs = infra.jobs
        self.settings = infra.settings
        self.control_schema = self.settings.database.control_schema
        self.live = LiveRegistry(infra.redis, self.control_schema)
        self.resolver = resolver

    async def tenant(self, *, slug: str | None = None, id: str | None = None
                      ) -> TenantContext | None:
        """Through the host resolver's cache (invalidated over Redis on any tenant change)."""
        if slug is not None:
            return await self.resolver.by_slug(slug)
        return await self.resolver.by_id(id or "")

    async def publish(self, fields: dict[str, str], node_id: str,
                      node_secret: str = "") -> Admission:
        if fields.get("app") != "live":
            raise Forbidden("publish only to the live application", code="bad_app")
        key, addr = fields.get("name", ""), fields.get("addr", "unknown")
        # This node's RTSP relays publish under an internal name with a token only the node's
        # agent can make (not trusted by address: anything on the node can reach 127.0.0.1);
        # a stream key (32 characters of base64url, which may hold "__") never looks like one.
        if INTERNAL_NAME.match(key):
            expected = relay_token(node_secret, key) if node_secret else ""
            if not expected or not hmac.compare_digest(fields.get("relay", ""), expected):
                log.info("ingest.publish_refused", reason="bad_relay_token", addr=addr)
                raise Forbidden("an internal name needs this node's relay token",
                                code="bad_relay")
            return await self._relay(key)
        async with self.dbs.control_session() as session:
            row = await session.get(StreamKey, digest(key)) if key else None
        if row is None:
            await self.identity.spend(f"unknown-key:{addr}", *UNKNOWN_KEY_BUDGET)
            log.info("ingest.publish_refused", reason="unknown_key", addr=addr)
            raise Forbidden("unknown stream key", code="unknown_key")
        tenant = await self.tenant(id=row.tenant_id)
        camera = await self._usable_camera(tenant, row.camera_id, addr)
        if fields.get("clientid"):  # so that rotating the key can drop this publisher
            await self.live.remember_publisher(camera.id, node_id, fields["clientid"])
        log.info("ingest.publish_accepted", tenant=tenant.slug, camera_id=camera.id, addr=addr)
        return Admission(internal_name(tenant.slug, camera.id), tenant, camera.id)

    async def _usable_camera(self, tenant: TenantContext | None, camera_id: str,
                             addr: str) -> Camera:
        if tenant is None or tenant.state != "active":
            log.info("ingest.publish_refused", reason="tenant_not_active", addr=addr)
            raise Forbidden("tenant is not active", code="tenant_unavailable")
        maker = self.dbs.for_tenant(tenant)
        async with maker() as session:
            camera = await session.get(Camera, camera_id)
        if camera is None or not camera.enabled:
            log.info("ingest.publish_refused", reason="camera_disabled", tenant=tenant.slug,
                     camera_id=camera_id)
            await tell_refused(self.infra, tenant, camera_id, "camera_disabled",
                               "the camera is disabled" if camera else "the camera was deleted")
            raise Forbidden("camera is disabled or gone", code="camera_unavailable")
        await self._within_plan(tenant, camera)
        return camera

    async def _within_plan(self, tenant: TenantContext, camera: Camera) -> None:
        """Refuse a camera beyond the plan's allowance (the newest enabled cameras over
        ``max_cameras``, after a downgrade) or one whose stream a node measured over the plan
        (bitrate, height: until the plan allows what was measured), and show it as
        ``error``/``quota_exceeded``."""
        limits = await self.plans.limits(tenant.plan)
        measured = await self.live.over_plan(camera.id)
        if measured is not None:
            reason = stream_refusal(limits, *measured)
            if reason is not None:
                await self.refuse_over_plan(tenant, camera.id, reason)
            await self.live.clear_over_plan(camera.id)
        if limits.max_cameras is None:
            return
        async with self.dbs.tenant_session(tenant) as session:
            older = await session.scalar(select(func.count()).select_from(Camera).where(
                Camera.enabled.is_(True), or_(
                    Camera.created_at < camera.created_at,
                    and_(Camera.created_at == camera.created_at, Camera.id < camera.id))))
        if within_allowance(limits, older or 0):
            return  # (an earlier refusal's "error" turns "online" when the stream starts)
        await self.refuse_over_plan(
            tenant, camera.id, f"over the {limits.name!r} plan's {limits.max_cameras} cameras")

    async def refuse_over_plan(self, tenant: TenantContext, camera_id: str, why: str) -> None:
        log.info("ingest.publish_refused", reason="quota_exceeded", tenant=tenant.slug,
                 camera_id=camera_id, detail=why)
        await set_status(self.infra, tenant, camera_id, "error", reason=QUOTA_REASON)
        await tell_refused(self.infra, tenant, camera_id, QUOTA_REASON, why)
        raise Forbidden(why, code="quota_exceeded")

    async def stream_over_plan(self, tenant: TenantContext, camera_id: str, kbps: int | None,
                               height: int | None) -> str | None:
        """A node measured a live stream: if it is over the plan, remember what was measured
        (the next publish is refused while the plan does not allow it), show the camera as
        ``error``/``quota_exceeded`` and answer why (the node then drops the publisher)."""
        reason = stream_refusal(await self.plans.limits(tenant.plan), kbps, height)
        if reason is None:
            return None
        await self.live.mark_over_plan(camera_id, kbps, height)
        await set_status(self.infra, tenant, camera_id, "error", reason=QUOTA_REASON)
        await tell_refused(self.infra, tenant, camera_id, QUOTA_REASON, reason)
        log.warning("ingest.stream_over_plan", tenant=tenant.slug, camera_id=camera_id,
                    kbps=kbps, height=height, detail=reason)
        return reason

    async def _relay(self, name: str) -> Admission:
        """This node's own RTSP relay publishes under the internal name (it has no key)."""
        slug, camera_id = split_internal_name(name)
        tenant = await self.tenant(slug=slug)
        camera = await self._usable_camera(tenant, camera_id, "127.0.0.1")
        if camera.ingest_mode != "rtsp_pull":
            raise Forbidden("only RTSP relays publish under an internal name",
                            code="bad_stream")
        return Admission(name, tenant, camera.id)

    async def _internal(self, fields: dict[str, str]) -> tuple[TenantContext, str, str]:
        if fields.get("app") != "internal":
            raise Forbidden("status comes from the internal application", code="bad_app")
        name = fields.get("name", "")
        slug, camera_id = split_internal_name(name)
        tenant = await self.tenant(slug=slug)
        if tenant is None:
            raise Forbidden("unknown tenant", code="bad_stream")
        return tenant, camera_id, name

    async def stream_started(self, fields: dict[str, str], node_id: str) -> None:
        """The internal application's publish: the camera is online on this node."""
        tenant, camera_id, name = await self._internal(fields)
        await self.live.went_live(node_id, tenant.id, name, camera_id)
        async with self.dbs.tenant_session(tenant) as session:
            await open_session(session, camera_id, node_id, utcnow())
            await session.commit()
        changed = await set_status(self.infra, tenant, camera_id, "online", node_id=node_id)
        if changed:
            async with self.dbs.tenant_session(tenant) as session:
                recording = await session.scalar(select(Camera.record).where(
                    Camera.id == camera_id))
            if recording:
                await publish(self.identity.redis, self.control_schema, tenant.id,
                              RecordingStarted(camera_id=camera_id))

    async def stream_ended(self, fields: dict[str, str], node_id: str) -> None:
        """The internal application's publish_done: offline unless it is back within the
        grace period (a general worker checks then)."""
        tenant, camera_id, name = await self._internal(fields)
        await self.live.went_down(node_id, name, camera_id)
        async with self.dbs.tenant_session(tenant) as session:  # down now, whatever the grace
            await record(session, camera_id, "offline", "publisher disconnected", utcnow())
            await session.commit()
        await end_sessions(self.dbs, tenant, camera_id)
        await self.offline_after_grace(tenant, camera_id)

    async def chunk_closed(self, fields: dict[str, str], node_id: str) -> None:
        """``record_done``: the node finalizes the file (one job per file, however often
        nginx reports it)."""
        path = fields.get("path", "")
        name = path.rsplit("/", 1)[-1]
        piece = parse_piece(name)
        if piece is None or piece.closed:
            raise Forbidden("not a recorded chunk", code="bad_chunk")
        await self.jobs.node(node_id, finalize_recording, path, job_id=f"finalize:{name}")

    async def offline_after_grace(self, tenant: TenantContext, camera_id: str) -> None:
        grace = self.settings.ingest.offline_grace
        if grace <= 0:
            await set_status(self.infra, tenant, camera_id, "offline",
                             only_from=("online", "connecting"))
            return
        await self.jobs.general(camera_offline_check, tenant.id, camera_id,
                                job_id=f"offline-check:{camera_id}:{time.time_ns()}",
                                defer=grace)
