"""Recordings: listing by camera and time, timelines with their gaps, playback at an instant,
downloads, deletion (object first, then the row; a missing object is not an error)."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from litestar.di import NamedDependency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.ledger import count_since, record_usage
from argus.billing.plans import Limits
from argus.billing.quotas import check_clip_exports
from argus.billing.usage import change_storage
from argus.platform.audit.service import Audit
from argus.platform.cameras.models import Camera
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.errors import Conflict, Invalid, NotFound
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import Jobs
from argus.platform.core.pagination import newest_cursor, older_than
from argus.platform.core.settings import Settings
from argus.platform.core.storage import Storage
from argus.platform.recordings.jobs import export_clip
from argus.platform.recordings.models import STATES, TIERS, Clip, Recording
from argus.platform.recordings.schemas import Playback, RecordingOut
from argus.tenants.context import TenantContext

CONTIGUOUS = timedelta(seconds=1.5)  # chunks closer than this are one span
MAX_TIMELINE = timedelta(days=7)
DOWNLOAD_TTL = 300
MAX_CLIP = timedelta(hours=1)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


def spans_and_gaps(rows: list[Recording], start: datetime, end: datetime
                   ) -> tuple[list[Span], list[Span]]:
    """Covered spans (contiguous ready recordings merged) and the gaps between ``start`` and
    ``end``: gaps are data, not an error."""
    spans: list[Span] = []
    for row in sorted((r for r in rows if r.state == "ready"), key=lambda r: r.started_at):
        a, b = max(row.started_at, start), min(row.ended_at, end)
        if b <= a:
            continue
        if spans and a - spans[-1].end <= CONTIGUOUS:
            spans[-1] = Span(spans[-1].start, max(spans[-1].end, b))
        else:
            spans.append(Span(a, b))
    gaps, cursor = [], start
    for span in spans:
        if span.start - cursor > CONTIGUOUS:
            gaps.append(Span(cursor, span.start))
        cursor = max(cursor, span.end)
    if end - cursor > CONTIGUOUS:
        gaps.append(Span(cursor, end))
    return spans, gaps


def sign_download(secret: str, bucket: str, key: str, expires: int) -> str:
    message = f"download|{bucket}|{key}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def day_start(day: str | None) -> datetime:
    """Midnight UTC of ``YYYY-MM-DD`` (today when not given); 422 naming ``day`` otherwise."""
    try:
        chosen = date.fromisoformat(day) if day else datetime.now(UTC).date()
    except ValueError:
        raise Invalid("day must be YYYY-MM-DD", field="day") from None
    return datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC)


def download_secret(settings: Settings) -> str:
    """What signs the directory backend's download URLs (derived from the JWT key)."""
    return "downloads:" + settings.auth.jwt_secrets[0]


class RecordingService:
    """A tenant's recordings and the URLs to them: ``base_url`` is the tenant's canonical
    address, ``secret`` signs the directory backend's download URLs (``download_secret``)."""

    def __init__(self, session: AsyncSession, tenant: TenantContext, audit: Audit | None,
                 dbs: Databases, storage: Storage, base_url: str = "", secret: str = "") -> None:
        self.session = session
        self.tenant = tenant
        self.audit = audit
        self.dbs = dbs
        self.storage = storage
        self.base_url = base_url
        self.secret = secret

    async def get(self, recording_id: str) -> Recording:
        row = await self.session.get(Recording, recording_id)
        if row is None:
            raise NotFound("recording not found", field="id")
        return row

    async def camera(self, camera_id: str) -> Camera:
        camera = await self.session.get(Camera, camera_id)
        if camera is None:
            raise NotFound("camera not found", field="camera_id")
        return camera

    async def list(self, *, camera_id: str | None = None, start: datetime | None = None,
                   end: datetime | None = None, tier: str | None = None,
                   state: str | None = None, cursor: str | None = None, limit: int = 50
                   ) -> tuple[list[Recording], str | None]:
        """Newest first; ``start``/``end`` select recordings that overlap that window."""
        if tier is not None and tier not in TIERS:
            raise Invalid(f"tier must be one of {', '.join(TIERS)}", field="tier")
        if state is not None and state not in STATES:
            raise Invalid(f"state must be one of {', '.join(STATES)}", field="state")
        if start and end and end <= start:
            raise Invalid("to must be after from", field="to")
        query = select(Recording).order_by(Recording.started_at.desc(), Recording.id.desc())
        if camera_id:
            query = query.where(Recording.camera_id == camera_id)
        if start:
            query = query.where(Recording.ended_at > start)
        if end:
            query = query.where(Recording.started_at < end)
        if tier:
            query = query.where(Recording.storage_tier == tier)
        if state:
            query = query.where(Recording.state == state)
        if cursor:
            query = query.where(older_than(Recording.started_at, Recording.id, cursor))
        rows = list(await self.session.scalars(query.limit(limit + 1)))
        last = rows[limit - 1] if len(rows) > limit else None
        return rows[:limit], newest_cursor(last.started_at, last.id) if last else None

    async def timeline(self, camera_id: str, start: datetime, end: datetime
                       ) -> tuple[list[Span], list[Span], list[Recording]]:
        await self.camera(camera_id)
        if end <= start:
            raise Invalid("to must be after from", field="to")
        if end - start > MAX_TIMELINE:
            raise Invalid("a timeline covers at most 7 days", field="to")
        rows = list(await self.session.scalars(
            select(Recording).where(Recording.camera_id == camera_id,
                                    Recording.ended_at > start, Recording.started_at < end)
            .order_by(Recording.started_at)))
        spans, gaps = spans_and_gaps(rows, start, end)
        return spans, gaps, rows

    async def at(self, camera_id: str, instant: datetime) -> tuple[Recording, float]:
        """The ready recording that covers ``instant`` and the offset into it (seconds)."""
        await self.camera(camera_id)
        row = await self.session.scalar(
            select(Recording).where(Recording.camera_id == camera_id,
                                    Recording.state == "ready",
                                    Recording.started_at <= instant,
                                    Recording.ended_at > instant)
            .order_by(Recording.started_at.desc()).limit(1))
        if row is None:
            raise NotFound("no recording covers that instant", field="at",
                           code="not_recorded")
        return row, (instant - row.started_at).total_seconds()

    async def download_url(self, row: Recording) -> tuple[str, int]:
        return await self.object_url(row.object_key, f"recordings/{row.id}")

    async def object_url(self, key: str, route: str) -> tuple[str, int]:
        """A short-lived URL: presigned on S3, else signed for this API's ``<route>/file``."""
        expires = int(time.time()) + DOWNLOAD_TTL
        presigned = await self.storage.presigned_url(self.tenant.bucket, key, DOWNLOAD_TTL)
        if presigned:
            return presigned, expires
        signature = sign_download(self.secret, self.tenant.bucket, key, expires)
        return (f"{self.base_url}/api/v1/{route}/file?expires={expires}&signature={signature}",
                expires)

    def signed_file(self, key: str | None, expires: int, signature: str) -> Path:
        """The file behind a directory-backend download URL: the signature stands in for
        credentials (a bad or expired one, or a file gone, is a 404)."""
        expected = key and sign_download(self.secret, self.tenant.bucket, key, expires)
        if (not key or not signature or not expected or expires < time.time()
                or not hmac.compare_digest(expected, signature)):
            raise NotFound("this download link is not valid (or has expired)", field="url",
                           code="bad_link")
        path = self.storage.local_path(self.tenant.bucket, key)
        if path is None or not path.exists():
            raise NotFound("the file is gone", field="id")
        return path

    async def delete(self, recording_id: str) -> None:
        row = await self.get(recording_id)
        for key in (row.object_key, row.thumbnail_key):
            if key:
                await self.storage.delete(self.tenant.bucket, key)  # missing is fine
        await self.session.delete(row)
        if self.audit is not None:
            self.audit.record("recordings.delete", "recording", row.id,
                              detail={"camera_id": row.camera_id,
                                      "started_at": row.started_at.isoformat()})
        await self.session.commit()
        if row.state == "ready" and row.size_bytes:
            async with self.dbs.control_session() as control:
                await change_storage(control, self.tenant.id, -row.size_bytes, row.storage_tier)
                await control.commit()


def utc(value: datetime | None) -> datetime | None:
    """Query datetimes without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def provide_recording_service(infra: Provided[Infra],
                                    db_session: NamedDependency[AsyncSession],
                                    tenant: NamedDependency[TenantContext],
                                    audit: NamedDependency[Audit],
                                    base_url: NamedDependency[str]) -> RecordingService:
    return RecordingService(db_session, tenant, audit, infra.dbs, infra.storage, base_url,
                            download_secret(infra.settings))


Recordings = NamedDependency[RecordingService]


async def download_link(service: RecordingService, row: Recording) -> tuple[str, datetime]:
    url, expires = await service.download_url(row)
    return url, datetime.fromtimestamp(expires, UTC)


async def playback_at(service: RecordingService, camera_id: str, at: datetime) -> Playback:
    """The recording of a camera that covers ``at`` (no zone: UTC), the offset, a URL."""
    row, offset = await service.at(camera_id, utc(at))
    url, expires = await download_link(service, row)
    return Playback(RecordingOut.of(row), round(offset, 3), url, expires)


async def request_clip(session: AsyncSession, jobs: Jobs, tenant: TenantContext, audit: Audit,
                       camera_id: str, start: datetime, end: datetime,
                       limits: Limits | None = None, dbs: Databases | None = None) -> Clip:
    """A clip export of ``start``..``end`` (≤ 60 min, something recorded), queued once and
    metered (``clip_exports``) in the same transaction; ``limits`` and ``dbs``: the plan's
    monthly count is checked first."""
    if end <= start:
        raise Invalid("to must be after from", field="to")
    if end - start > MAX_CLIP:
        raise Invalid("a clip lasts at most 60 minutes", field="to")
    covered = await session.scalar(
        select(Recording.id).where(Recording.camera_id == camera_id, Recording.state == "ready",
                                   Recording.ended_at > start, Recording.started_at < end)
        .limit(1))
    if covered is None:
        raise Conflict("nothing was recorded between from and to", field="from",
                       code="not_recorded")
    today = utcnow().date()
    if limits is not None and dbs is not None and limits.clip_exports_per_month is not None:
        used = await count_since(dbs, tenant, "clip_exports", today.replace(day=1))
        check_clip_exports(limits, used + 1)
    clip = Clip(id=str(uuid.uuid4()), camera_id=camera_id, starts_at=start, ends_at=end,
                state="pending")
    session.add(clip)
    record_usage(session, "clip_exports", clip.id, today, 0, 0)
    audit.record("clips.create", "clip", clip.id, detail={
        "camera_id": camera_id, "from": start.isoformat(), "to": end.isoformat()})
    await session.commit()
    await jobs.general(export_clip, tenant.id, clip.id, job_id=f"clip:{clip.id}")
    return clip
