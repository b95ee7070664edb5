"""``/api/v1/recordings`` and a camera's ``timeline`` / ``playback`` (``recordings:read``;
deleting needs ``recordings:write``, exporting a clip ``clips:export``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.plans import Limits
from argus.billing.quotas import check_retention
from argus.platform.audit.service import Audit
from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.platform.core.errors import NotFound
from argus.platform.core.guards import needs, public
from argus.platform.core.jobs import Jobs
from argus.platform.recordings.lifecycle import SETTING, RecordingPolicy, load_policy
from argus.platform.recordings.models import Clip, Recording
from argus.platform.recordings.schemas import (
    ClipIn,
    ClipOut,
    Download,
    Playback,
    RecordingOut,
    RecordingPage,
    SpanOut,
    Timeline,
)
from argus.platform.recordings.service import (
    Recordings,
    download_link,
    playback_at,
    provide_recording_service,
    request_clip,
    utc,
)
from argus.tenants.context import TenantContext
from argus.tenants.settings_store import put_setting

FromTime = Annotated[datetime | None, QueryParameter(name="from")]


class RecordingController(Controller):
    path = "/recordings"
    tags = ["recordings"]
    dependencies = {"recording_service": Provide(provide_recording_service)}

    @get("/", opt=needs("recordings:read"),
         summary="List recordings (camera_id, from/to overlap, tier, state; newest first)")
    async def list_recordings(
        self, recording_service: Recordings,
        camera_id: FromQuery[str | None] = None,
        start: FromTime = None,
        end: Annotated[datetime | None, QueryParameter(name="to")] = None,
        tier: FromQuery[str | None] = None,
        state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> RecordingPage:
        rows, next_cursor = await recording_service.list(
            camera_id=camera_id, start=utc(start), end=utc(end), tier=tier,
            state=state_filter, cursor=cursor, limit=limit)
        return RecordingPage([RecordingOut.of(r) for r in rows], next_cursor)

    @get("/{recording_id:str}", opt=needs("recordings:read"))
    async def get_recording(self, recording_id: FromPath[str],
                            recording_service: Recordings) -> RecordingOut:
        return RecordingOut.of(await recording_service.get(recording_id))

    @delete("/{recording_id:str}", opt=needs("recordings:write"),
            summary="Delete a recording: its object, then its row (audited)")
    async def delete_recording(self, recording_id: FromPath[str],
                               recording_service: Recordings) -> None:
        await recording_service.delete(recording_id)

    @get("/{recording_id:str}/download", opt=needs("recordings:read"),
         summary="A short-lived URL to the MP4 (presigned on S3)")
    async def download(self, recording_id: FromPath[str],
                       recording_service: Recordings) -> Response[Download]:
        row = await recording_service.get(recording_id)
        if row.state != "ready":
            raise NotFound("the recording has no playable file", field="id",
                           code="not_ready")
        url, expires = await download_link(recording_service, row)
        return Response(Download(url, expires), headers={"Cache-Control": "no-store"})

    @get("/{recording_id:str}/file", opt=public(), include_in_schema=False)
    async def file(self, recording_id: FromPath[str], recording_service: Recordings,
                   expires: FromQuery[int] = 0, signature: FromQuery[str] = "") -> File:
        """The directory backend's download URL: the signature stands in for credentials."""
        row = await recording_service.session.get(Recording, recording_id)
        path = recording_service.signed_file(row and row.object_key, expires, signature)
        return File(path, media_type="video/mp4",
                    filename=f"{row.camera_id}-{row.started_at:%Y%m%dT%H%M%SZ}.mp4"
                    if row else "recording.mp4")


class ClipController(Controller):
    path = "/clips"
    tags = ["recordings"]
    dependencies = {"recording_service": Provide(provide_recording_service)}

    @get("/{clip_id:str}", opt=needs("recordings:read"),
         summary="A clip export: its state, progress and, when ready, a download URL")
    async def get_clip(self, clip_id: FromPath[str],
                       recording_service: Recordings) -> Response[ClipOut]:
        clip = await recording_service.session.get(Clip, clip_id)
        if clip is None:
            raise NotFound("clip not found", field="id")
        url = None
        if clip.state == "ready" and clip.object_key:
            url, _ = await recording_service.object_url(clip.object_key, f"clips/{clip.id}")
        return Response(ClipOut.of(clip, url), headers={"Cache-Control": "no-store"})

    @get("/{clip_id:str}/file", opt=public(), include_in_schema=False)
    async def clip_file(self, clip_id: FromPath[str], recording_service: Recordings,
                        expires: FromQuery[int] = 0, signature: FromQuery[str] = "") -> File:
        clip = await recording_service.session.get(Clip, clip_id)
        path = recording_service.signed_file(clip and clip.object_key, expires, signature)
        return File(path, filename=f"clip-{clip_id}.mp4", media_type="video/mp4")


class CameraRecordingController(Controller):
    path = "/cameras"
    tags = ["recordings"]
    dependencies = {"recording_service": Provide(provide_recording_service)}

    @get("/{camera_id:str}/timeline", opt=needs("recordings:read"),
         summary="Recorded spans and gaps of a camera between from and to (≤ 7 days)")
    async def timeline(self, camera_id: FromPath[str], recording_service: Recordings,
                       start: Annotated[datetime, QueryParameter(name="from")],
                       end: Annotated[datetime, QueryParameter(name="to")]) -> Timeline:
        start, end = utc(start), utc(end)
        spans, gaps, rows = await recording_service.timeline(camera_id, start, end)
        return Timeline(camera_id, start, end, [SpanOut(s.start, s.end) for s in spans],
                        [SpanOut(g.start, g.end) for g in gaps],
                        [RecordingOut.of(r) for r in rows])

    @post("/{camera_id:str}/clips", opt=needs("clips:export"), status_code=202,
          summary="Export a clip (≤ 60 min) across chunks into one MP4; poll /clips/{id}")
    async def create_clip(self, jobs: Provided[Jobs], camera_id: FromPath[str],
                          data: JSONBody[ClipIn], recording_service: Recordings,
                          tenant: NamedDependency[TenantContext],
                          audit: NamedDependency[Audit], limits: NamedDependency[Limits],
                          dbs: Provided[Databases]) -> ClipOut:
        await recording_service.camera(camera_id)
        clip = await request_clip(recording_service.session, jobs, tenant, audit, camera_id,
                                  utc(data.start), utc(data.end), limits, dbs)
        return ClipOut.of(clip)

    @get("/{camera_id:str}/playback", opt=needs("recordings:read"),
         summary="The recording that covers an instant, the offset into it, and its URL")
    async def playback(self, camera_id: FromPath[str],
                       recording_service: Recordings,
                       at: Annotated[datetime, QueryParameter()]) -> Playback:
        return await playback_at(recording_service, camera_id, at)


class RecordingSettingsController(Controller):
    path = "/settings/recording"
    tags = ["settings"]

    @get("/", opt=needs("settings:read"), summary="Recording retention and storage-tier ages")
    async def get_recording(self, db_session: NamedDependency[AsyncSession]) -> RecordingPolicy:
        return await load_policy(db_session)

    @put("/", opt=needs("settings:write"),
         summary="Set retention days (null: keep), the ages for WARM and COLD and how long "
                 "exported clips are kept")
    async def put_recording(self, data: JSONBody[RecordingPolicy],
                            db_session: NamedDependency[AsyncSession],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit],
                            limits: NamedDependency[Limits]) -> RecordingPolicy:
        data.check()
        check_retention(limits, data.retention_days)
        value = msgspec.structs.asdict(data)
        await put_setting(db_session, SETTING, value)
        audit.record("settings.recording", "tenant", tenant.id, detail=value)
        await db_session.commit()
        return data
