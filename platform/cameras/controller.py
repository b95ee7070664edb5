"""``/api/v1/cameras``: camera management (RBAC: ``cameras:read`` / ``cameras:write``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.platform.cameras.schemas import (
    BulkIn,
    BulkOut,
    BulkResult,
    CameraCreated,
    CameraIn,
    CameraOut,
    CameraPage,
    CameraPatch,
    CameraStatus,
    Ingest,
    LiveFacts,
)
from argus.platform.cameras.service import Cameras, provide_camera_service
from argus.platform.core.di import Provided
from argus.platform.core.errors import NotFound
from argus.platform.core.guards import needs
from argus.platform.core.storage import Storage
from argus.tenants.context import TenantContext

NO_STORE = {"Cache-Control": "no-store"}


class CameraController(Controller):
    path = "/cameras"
    tags = ["cameras"]
    dependencies = {"camera_service": Provide(provide_camera_service)}

    @get("/", opt=needs("cameras:read"),
         summary="List cameras (filters: status, tag, vendor, q; newest first, cursor)")
    async def list_cameras(
        self, camera_service: Cameras,
        status: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
        vendor: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> CameraPage:
        rows, next_cursor = await camera_service.list(status=status, tag=tag, vendor=vendor,
                                                      q=q, cursor=cursor, limit=limit)
        return CameraPage([CameraOut.of(c) for c in rows], next_cursor)

    @post("/", opt=needs("cameras:write"),
          summary="Add a camera; the answer holds its stream key (shown this once)")
    async def create_camera(self, data: JSONBody[CameraIn],
                            camera_service: Cameras) -> Response[CameraCreated]:
        created = await camera_service.create(msgspec.structs.asdict(data))
        return Response(CameraCreated(CameraOut.of(created.camera), created.ingest),
                        status_code=201, headers=NO_STORE)

    @post("/bulk", opt=needs("cameras:write"), status_code=200,
          summary="Up to 500 create/update/enable/disable/delete operations, each on its own")
    async def bulk(self, data: JSONBody[BulkIn], camera_service: Cameras) -> Response[BulkOut]:
        results = [BulkResult(**r) for r in await camera_service.bulk(data.items)]
        ok = sum(r.ok for r in results)
        return Response(BulkOut(results, succeeded=ok, failed=len(results) - ok),
                        headers=NO_STORE)

    @get("/{camera_id:str}", opt=needs("cameras:read"))
    async def get_camera(self, camera_id: FromPath[str], camera_service: Cameras) -> CameraOut:
        return CameraOut.of(await camera_service.get(camera_id))

    @put("/{camera_id:str}", opt=needs("cameras:write"), summary="Replace a camera's settings")
    async def put_camera(self, camera_id: FromPath[str], data: JSONBody[CameraIn],
                         camera_service: Cameras) -> CameraOut:
        fields = msgspec.structs.asdict(data)
        return CameraOut.of(await camera_service.update(camera_id, fields, replace=True))

    @patch("/{camera_id:str}", opt=needs("cameras:write"), summary="Change some settings")
    async def patch_camera(self, camera_id: FromPath[str], data: JSONBody[CameraPatch],
                           camera_service: Cameras) -> CameraOut:
        return CameraOut.of(await camera_service.patch(camera_id, data))

    @delete("/{camera_id:str}", opt=needs("cameras:write"))
    async def delete_camera(self, camera_id: FromPath[str], camera_service: Cameras) -> None:
        await camera_service.delete(camera_id)

    @get("/{camera_id:str}/status", opt=needs("cameras:read"))
    async def camera_status(self, camera_id: FromPath[str],
                            camera_service: Cameras) -> CameraStatus:
        c = await camera_service.get(camera_id)
        return CameraStatus(c.id, c.status, c.status_reason, c.last_seen_at, c.enabled,
                            LiveFacts(c.video_codec, c.width, c.height, c.fps, c.bitrate_kbps,
                                      c.renditions))

    @get("/{camera_id:str}/thumbnail", opt=needs("cameras:read"),
         summary="The camera's latest thumbnail (JPEG, refreshed by its node while live)",
         responses={200: ResponseSpec(None, description="image/jpeg", media_type="image/jpeg")})
    async def thumbnail(self, storage: Provided[Storage], camera_id: FromPath[str],
                        camera_service: Cameras, tenant: NamedDependency[TenantContext]
                        ) -> Response[bytes]:
        await camera_service.get(camera_id)  # 404 for unknown and other tenants' cameras
        try:
            jpeg = await storage.get(tenant.bucket, f"thumbnails/{camera_id}.jpg")
        except FileNotFoundError:
            raise NotFound("no thumbnail yet: the camera has not been live",
                           code="no_thumbnail") from None
        return Response(jpeg, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=5"})

    @post("/{camera_id:str}/stream-key", opt=needs("cameras:write"), status_code=200,
          summary="Rotate the stream key: the old one stops working at once")
    async def rotate_stream_key(self, camera_id: FromPath[str],
                                camera_service: Cameras) -> Response[Ingest]:
        return Response(await camera_service.rotate_key(camera_id), headers=NO_STORE)
