"""Camera rules: validation, stream keys, CRUD, bulk operations.

A camera's row lives in the tenant schema; the SHA-256 of its stream key lives in the control
schema's ``stream_keys`` (publish authentication finds the tenant and camera from a key in one
lookup). The two are written in two transactions, ordered so that a failure leaves at worst an
orphan key row pointing at no camera, which publish authentication refuses. The camera's
placement on an ingest node (``camera_placements``) is written with its key.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from litestar.di import NamedDependency
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.ledger import record_counts
from argus.billing.plans import Limits
from argus.billing.quotas import check_cameras, check_feature, check_retention
from argus.platform.audit.service import Audit
from argus.platform.cameras.models import INGEST_MODES, VENDORS, Camera, StreamKey
from argus.platform.cameras.rtsp import check_rtsp_url
from argus.platform.cameras.schemas import CameraPatch, Ingest
from argus.platform.core.db import Databases, like_pattern, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.errors import ArgusError, Invalid, NotFound, QuotaExceeded
from argus.platform.core.infra import Infra
from argus.platform.core.pagination import newest_cursor, older_than
from argus.platform.identity.tokens import digest
from argus.platform.ingest.jobs import publisher_cutter
from argus.platform.ingest.models import CameraPlacement, IngestNode
from argus.platform.ingest.placement import place
from argus.tenants.context import TenantContext

MAX_BULK = 500
# The server URL and the key are shown once (at creation, or when the key is replaced), so
# the hints name them without saying where they are on the page.
HINTS = {
    "hikvision": ["Configuration → Network → Advanced Settings → RTMP (firmware 5.7+):",
                  "enable RTMP, set the server URL and the stream key, then Save."],
    "dahua": ["Setting → Network → RTMP: enable, choose Custom address,",
              "and enter the full URL (server URL followed by /<stream key>)."],
    "axis": ["Install the RTMP streaming ACAP (System → Apps), or use Stream profiles →",
             "RTMP with the server URL and the stream key."],
    "other": ["In the camera's streaming settings choose RTMP push and enter the",
              "server URL and the stream key (or the full URL where one field is offered)."],
}
VENDOR_NAMES = {"hikvision": "a Hikvision camera", "dahua": "a Dahua camera",
                "axis": "an Axis camera", "other": "any other camera"}


# Live view starts after two keyframe intervals (the relay into the internal application joins
# on the second keyframe): 1 s intervals start it about a second sooner than 2 s.
KEYFRAME_HINT = ("Set the I-frame (keyframe) interval to 1 second, i.e. equal to the frame "
                 "rate: live view then starts about a second sooner.")


def _text(value: object, field: str, limit: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise Invalid(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field} must not be empty", field=field)
    if len(value) > limit:
        raise Invalid(f"{field} must be at most {limit} characters", field=field)
    return value or None


def _tags(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > 20:
        raise Invalid("tags must be a list of at most 20 tags", field="tags")
    cleaned = []
    for tag in value:
        if not isinstance(tag, str) or not 1 <= len(tag.strip()) <= 40:
            raise Invalid("each tag must be 1-40 characters", field="tags")
        if tag.strip() not in cleaned:
            cleaned.append(tag.strip())
    return cleaned


def _rtsp(value: object) -> str | None:
    url = _text(value, "rtsp_url", 1000)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("rtsp", "rtsps") or not parts.hostname:
        raise Invalid("rtsp_url must be an rtsp:// or rtsps:// URL with a host",
                      field="rtsp_url")
    return url


def clean_fields(fields: dict) -> dict:
    """Validate and normalise the editable fields present in ``fields``."""
    out: dict = {}
    checks = {
        "name": lambda v: _text(v, "name", 200, required=True),
        "model": lambda v: _text(v, "model", 100),
        "serial_number": lambda v: _text(v, "serial_number", 100),
        "location": lambda v: _text(v, "location", 200),
        "tags": _tags,
        "rtsp_url": _rtsp,
    }
    for key, value in fields.items():
        if key in checks:
            out[key] = checks[key](value)
        elif key == "vendor":
            if value not in VENDORS:
                raise Invalid(f"vendor must be one of {', '.join(VENDORS)}", field="vendor")
            out[key] = value
        elif key == "ingest_mode":
            if value not in INGEST_MODES:
                raise Invalid(f"ingest_mode must be one of {', '.join(INGEST_MODES)}",
                              field="ingest_mode")
            out[key] = value
        elif key in ("retention_days", "chunk_minutes"):
            top = 3650 if key == "retention_days" else 1440
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or not 1 <= value <= top):
                raise Invalid(f"{key} must be 1-{top} (or null: the tenant's)", field=key)
            out[key] = value
        elif key in ("enabled", "record", "abr"):
            if not isinstance(value, bool):
                raise Invalid(f"{key} must be true or false", field=key)
            out[key] = value
        else:
            raise Invalid(f"unknown field {key!r}", field=key)
    return out


def _check_mode(camera: Camera) -> None:
    if camera.ingest_mode == "rtsp_pull" and not camera.rtsp_url:
        raise Invalid("rtsp_pull cameras need an rtsp_url", field="rtsp_url")
    if camera.ingest_mode == "rtmp_push" and camera.rtsp_url:
        raise Invalid("rtmp_push cameras take no rtsp_url", field="rtsp_url")


@dataclass
class Created:
    camera: Camera
    ingest: Ingest | None


class CameraService:
    def __init__(self, session: AsyncSession, tenant: TenantContext, audit: Audit,
                 dbs: Databases, rtmp_url: str,
                 cut: Callable[[str], Awaitable[None]] | None = None,
                 allow_private_rtsp: bool = False, limits: Limits | None = None) -> None:
        """``cut(camera_id)`` drops the camera's live publisher (rotated key, disabled or
        deleted camera); ``rtmp_url`` is the ingest URL while no node is registered;
        ``allow_private_rtsp`` lets pull cameras point at non-public addresses; ``limits``
        is the tenant's plan (``None``: no quota, for the provider's own tools)."""
        self.cut = cut
        self.limits = limits
        self.allow_private_rtsp = allow_private_rtsp
        self.session = session
        self.tenant = tenant
        self.audit = audit
        self.dbs = dbs
        self.rtmp_url = rtmp_url.rstrip("/")

    # --- reads -----------------------------------------------------------------------------

    async def get(self, camera_id: str) -> Camera:
        camera = await self.session.get(Camera, camera_id)
        if camera is None:
            raise NotFound("camera not found", field="id")
        return camera

    async def list(self, *, status: str | None = None, tag: str | None = None,
                   vendor: str | None = None, q: str | None = None, cursor: str | None = None,
                   limit: int = 50) -> tuple[list[Camera], str | None]:
        query = select(Camera).order_by(Camera.created_at.desc(), Camera.id.desc())
        if status:
            query = query.where(Camera.status == status)
        if vendor:
            query = query.where(Camera.vendor == vendor)
        if tag:
            query = query.where(func.json_contains(Camera.tags, json.dumps(tag)) == 1)
        if q:
            like = like_pattern(q)
            query = query.where(or_(Camera.name.like(like), Camera.location.like(like),
                                    Camera.serial_number.like(like)))
        if cursor:
            query = query.where(older_than(Camera.created_at, Camera.id, cursor))
        rows = list(await self.session.scalars(query.limit(limit + 1)))
        last = rows[limit - 1] if len(rows) > limit else None
        next_cursor = newest_cursor(last.created_at, last.id) if last else None
        return rows[:limit], next_cursor

    # --- writes ----------------------------------------------------------------------------

    def _ingest(self, key: str, vendor: str, node: IngestNode | None) -> Ingest:
        rtmp_url = f"{node.rtmp_url.rstrip('/')}/live" if node else self.rtmp_url
        return Ingest(rtmp_url=rtmp_url, stream_key=key, full_url=f"{rtmp_url}/{key}",
                      setup_hints=HINTS[vendor] + [KEYFRAME_HINT])

    async def _store_key(self, camera: Camera, new: bool) -> tuple[str, IngestNode | None]:
        """A new stream key in the control index (replacing an older one); a new camera is
        also placed on the least-loaded node. Returns the key and the camera's node."""
        key = secrets.token_urlsafe(24)
        async with self.dbs.control_session() as control:
            await control.execute(delete(StreamKey).where(StreamKey.tenant_id == self.tenant.id,
                                                          StreamKey.camera_id == camera.id))
            control.add(StreamKey(key_hash=digest(key), tenant_id=self.tenant.id,
                                  camera_id=camera.id))
            if new:
                node = await place(control, self.tenant.id, camera.id,
                                   pull=camera.ingest_mode == "rtsp_pull", enabled=camera.enabled,
                                   abr=bool(camera.abr))
            else:
                placement = await control.get(CameraPlacement, camera.id)
                node = (await control.get(IngestNode, placement.node_id)
                        if placement and placement.node_id else None)
            await control.commit()
        return key, node

    async def _forget(self, camera_id: str) -> None:
        """Drop the camera's stream key and placement from the control schema."""
        async with self.dbs.control_session() as control:
            await control.execute(delete(StreamKey).where(StreamKey.tenant_id == self.tenant.id,
                                                          StreamKey.camera_id == camera_id))
            await control.execute(delete(CameraPlacement).where(
                CameraPlacement.tenant_id == self.tenant.id,
                CameraPlacement.camera_id == camera_id))
            await control.commit()

    async def _replace_placement(self, camera: Camera) -> None:
        async with self.dbs.control_session() as control:
            await control.execute(update(CameraPlacement).where(
                CameraPlacement.tenant_id == self.tenant.id,
                CameraPlacement.camera_id == camera.id).values(
                pull=camera.ingest_mode == "rtsp_pull", enabled=camera.enabled, abr=camera.abr))
            await control.commit()

    async def _cut(self, camera_id: str) -> None:
        if self.cut is not None:
            await self.cut(camera_id)

    async def _clean(self, fields: dict) -> dict:
        values = clean_fields(fields)
        if values.get("rtsp_url"):
            await check_rtsp_url(values["rtsp_url"], self.allow_private_rtsp)
        return values

    async def _billable(self, camera_id: str) -> None:
        """Counted in today's ``cameras_billable`` (with the write that enables it; the
        billing cron counts the enabled ones every 10 minutes too)."""
        day = utcnow().date()
        await record_counts(self.session, "cameras_billable", [f"{camera_id}:{day}"], day)

    async def _check_plan(self, values: dict, enabling: bool) -> None:
        """The plan's quotas on what is about to be written (402 before any write)."""
        if self.limits is None:
            return
        if values.get("abr"):
            check_feature(self.limits, "abr")
        if "retention_days" in values and values["retention_days"] is not None:
            check_retention(self.limits, values["retention_days"])
        if enabling and self.limits.max_cameras is not None:
            enabled = await self.session.scalar(
                select(func.count()).select_from(Camera).where(Camera.enabled.is_(True)))
            check_cameras(self.limits, (enabled or 0) + 1)

    async def create(self, fields: dict) -> Created:
        values = await self._clean(fields)
        if "name" not in values:
            raise Invalid("name is required", field="name")
        await self._check_plan(values, enabling=values.get("enabled", True) is not False)
        camera = Camera(id=str(uuid.uuid4()), **values)
        camera.vendor = camera.vendor or "other"
        camera.ingest_mode = camera.ingest_mode or "rtmp_push"
        _check_mode(camera)
        key, node = await self._store_key(camera, new=True)
        camera.stream_key_hint = key[:4]
        camera.ingest_node_id = node.id if node else None
        try:
            self.session.add(camera)
            if camera.enabled is not False:
                await self._billable(camera.id)
            self.audit.record("cameras.create", "camera", camera.id,
                              detail={"name": camera.name, "vendor": camera.vendor})
            await self.session.commit()
        except BaseException:
            await self.session.rollback()
            await self._forget(camera.id)
            raise
        ingest = (self._ingest(key, camera.vendor, node) if camera.ingest_mode == "rtmp_push"
                  else None)
        return Created(camera, ingest)

    async def update(self, camera_id: str, fields: dict, replace: bool = False) -> Camera:
        camera = await self.get(camera_id)
        if replace:  # PUT: absent optional fields return to their defaults
            defaults = {"vendor": "other", "model": None, "serial_number": None,
                        "location": None, "tags": [], "ingest_mode": "rtmp_push",
                        "rtsp_url": None, "enabled": True, "record": False, "abr": False,
                        "retention_days": None, "chunk_minutes": None}
            fields = {**defaults, **fields}
        values = await self._clean(fields)
        changed = {k: v for k, v in values.items() if getattr(camera, k) != v}
        if not changed:
            return camera
        await self._check_plan(changed, enabling=changed.get("enabled") is True)
        for key, value in changed.items():
            setattr(camera, key, value)
        _check_mode(camera)
        camera.updated_at = utcnow()
        detail = {k: ("***" if k == "rtsp_url" and v else v) for k, v in changed.items()}
        self.audit.record("cameras.update", "camera", camera.id, detail=detail)
        if changed.get("enabled") is True:
            await self._billable(camera.id)
        await self.session.commit()
        if {"ingest_mode", "enabled", "abr"} & changed.keys():
            await self._replace_placement(camera)
        if changed.get("enabled") is False or "ingest_mode" in changed:
            await self._cut(camera.id)
        return camera

    async def patch(self, camera_id: str, patch: CameraPatch) -> Camera:
        return await self.update(camera_id, patch.changes())

    async def delete(self, camera_id: str) -> None:
        camera = await self.get(camera_id)
        await self.session.delete(camera)
        self.audit.record("cameras.delete", "camera", camera_id, detail={"name": camera.name})
        await self.session.commit()
        await self._forget(camera_id)
        await self._cut(camera_id)

    async def rotate_key(self, camera_id: str) -> Ingest:
        """A new stream key; the old one stops working at once."""
        camera = await self.get(camera_id)
        key, node = await self._store_key(camera, new=False)
        camera.stream_key_hint = key[:4]
        camera.updated_at = utcnow()
        self.audit.record("cameras.rotate_stream_key", "camera", camera.id)
        await self.session.commit()
        await self._cut(camera.id)  # a publisher on the old key goes now
        return self._ingest(key, camera.vendor, node)

    # --- bulk --------------------------------------------------------------------------------

    async def bulk(self, items: list) -> list[dict]:
        """Each item on its own: a failing item is reported and the rest go on."""
        if not items or len(items) > MAX_BULK:
            raise Invalid(f"items must hold 1-{MAX_BULK} operations", field="items")
        results = []
        for index, item in enumerate(items):
            result: dict = {"index": index, "op": item.op, "ok": True, "id": item.id}
            try:
                if item.op == "create":
                    created = await self.create(item.camera or {})
                    result.update(id=created.camera.id, status_code=201, ingest=created.ingest)
                elif item.op not in ("update", "enable", "disable", "delete"):
                    raise Invalid("op must be create, update, enable, disable or delete",
                                  field=f"items[{index}].op")
                elif not item.id:
                    raise Invalid("id is required", field=f"items[{index}].id")
                elif item.op == "update":
                    await self.update(item.id, item.camera or {})
                elif item.op in ("enable", "disable"):
                    await self.update(item.id, {"enabled": item.op == "enable"})
                else:
                    await self.delete(item.id)
                    result["status_code"] = 204
            except ArgusError as exc:
                await self.session.rollback()
                field = exc.field if exc.field and exc.field.startswith("items[") else (
                    f"items[{index}].camera.{exc.field}" if exc.field else None)
                result.update(ok=False, status_code=exc.status_code, code=exc.code,
                              detail=exc.detail, field=field)
                if isinstance(exc, QuotaExceeded):
                    result.update(limit=exc.limit, used=exc.used)
            results.append(result)
        return results


async def provide_camera_service(infra: Provided[Infra],
                                 db_session: NamedDependency[AsyncSession],
                                 tenant: NamedDependency[TenantContext],
                                 audit: NamedDependency[Audit],
                                 limits: NamedDependency[Limits]) -> CameraService:
    ingest = infra.settings.ingest
    return CameraService(db_session, tenant, audit, infra.dbs, ingest.rtmp_url,
                         cut=publisher_cutter(infra),
                         allow_private_rtsp=ingest.rtsp_allow_private, limits=limits)


Cameras = NamedDependency[CameraService]
