"""``GET /api/v1/streaming/hls/{camera_id}``: a signed, expiring HLS URL for a live camera."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.cameras.models import Camera
from argus.platform.core.di import Provided
from argus.platform.core.errors import NotFound
from argus.platform.core.guards import needs
from argus.platform.core.infra import Infra
from argus.platform.streaming.schemas import HlsUrl
from argus.platform.streaming.service import live_url
from argus.tenants.context import TenantContext


class StreamingController(Controller):
    path = "/streaming"
    tags = ["streaming"]

    @get("/hls/{camera_id:str}", opt=needs("streams:view"),
         summary="A signed HLS playlist URL on the camera's node (expires; token in the path)")
    async def hls(self, infra: Provided[Infra], camera_id: FromPath[str],
                  db_session: NamedDependency[AsyncSession],
                  tenant: NamedDependency[TenantContext]) -> HlsUrl:
        camera = await db_session.get(Camera, camera_id)
        if camera is None:
            raise NotFound("camera not found", field="camera_id")
        return await live_url(infra, tenant, camera)
