"""Share links over the API.

Admins and operators (``cameras:write``) create and revoke them; ``cameras:read`` lists them.
The public routes under ``/api/v1/shares/{token}`` take the token as their credential: the
live URL for any active share, the timeline and playback only for shares that are not
live-only (403 ``live_only``); an expired or revoked link answers 410.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.core.di import Provided
from argus.platform.core.guards import needs, public
from argus.platform.core.infra import Infra
from argus.platform.core.principal import Principal
from argus.platform.recordings.schemas import Playback, SpanOut
from argus.platform.recordings.service import (
    Recordings,
    day_start,
    playback_at,
    provide_recording_service,
)
from argus.platform.sharing.schemas import ShareCreated, ShareIn, ShareList, ShareOut, ShareTimeline
from argus.platform.sharing.service import ShareService
from argus.platform.streaming.schemas import HlsUrl
from argus.platform.streaming.service import live_url
from argus.tenants.context import TenantContext


class CameraShareController(Controller):
    path = "/cameras/{camera_id:str}/shares"
    tags = ["shares"]

    @post("/", opt=needs("cameras:write"),
          summary="Create a share link (viewer page and embed) for a camera")
    async def create_share(self, request: Request, base_url: NamedDependency[str],
                           camera_id: FromPath[str],
                           data: JSONBody[ShareIn], db_session: NamedDependency[AsyncSession],
                           audit: NamedDependency[Audit]) -> Response[ShareCreated]:
        principal: Principal = request.scope["user"]  # type: ignore[assignment]
        share, token = await ShareService(db_session, audit).create(
            camera_id, data.expires_at, data.live_only, principal.user_id)
        base = base_url
        embed = f"{base}/embed/{token}"
        html = (f'<iframe src="{embed}" width="640" height="360" frameborder="0" '
                'allow="autoplay; fullscreen" allowfullscreen></iframe>')
        return Response(ShareCreated(ShareOut.of(share), token, f"{base}/v/{token}", embed,
                                     html), status_code=201, headers={"Cache-Control": "no-store"})

    @get("/", opt=needs("cameras:read"), summary="A camera's share links (newest first)")
    async def list_shares(self, camera_id: FromPath[str],
                          db_session: NamedDependency[AsyncSession]) -> ShareList:
        return ShareList([ShareOut.of(s) for s in await ShareService(db_session).list(camera_id)])


class ShareController(Controller):
    path = "/shares"
    tags = ["shares"]
    dependencies = {"recording_service": Provide(provide_recording_service)}

    @delete("/{share_id:str}", opt=needs("cameras:write"), summary="Revoke a share link")
    async def revoke_share(self, share_id: FromPath[str],
                           db_session: NamedDependency[AsyncSession],
                           audit: NamedDependency[Audit]) -> None:
        await ShareService(db_session, audit).revoke(share_id)

    @get("/{token:str}/live", opt=public(), summary="The live HLS URL of a shared camera")
    async def shared_live(self, infra: Provided[Infra], token: FromPath[str],
                          db_session: NamedDependency[AsyncSession],
                          tenant: NamedDependency[TenantContext]) -> HlsUrl:
        _, camera = await ShareService(db_session).open(token)
        return await live_url(infra, tenant, camera)

    @get("/{token:str}/timeline", opt=public(),
         summary="Recorded spans of a shared camera on a day (not for live-only links)")
    async def shared_timeline(self, token: FromPath[str], recording_service: Recordings,
                              day: FromQuery[str | None] = None) -> ShareTimeline:
        _, camera = await ShareService(recording_service.session).open_recordings(token)
        start = day_start(day)
        spans, _, _ = await recording_service.timeline(camera.id, start, start + timedelta(days=1))
        return ShareTimeline(camera.id, [SpanOut(s.start, s.end) for s in spans])

    @get("/{token:str}/playback", opt=public(),
         summary="Play a shared camera's recording at an instant (not for live-only links)")
    async def shared_playback(self, token: FromPath[str], recording_service: Recordings,
                              at: Annotated[datetime, QueryParameter()]) -> Playback:
        _, camera = await ShareService(recording_service.session).open_recordings(token)
        return await playback_at(recording_service, camera.id, at)

