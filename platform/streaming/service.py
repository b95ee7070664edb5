"""Live playback: a signed, expiring HLS URL on the node that carries a camera."""

from __future__ import annotations

from datetime import UTC, datetime

from argus.platform.cameras.models import Camera
from argus.platform.core.errors import Conflict, ServiceUnavailable
from argus.platform.core.infra import Infra
from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.names import internal_name
from argus.platform.ingest.signing import signed_hls
from argus.platform.streaming.schemas import HlsUrl
from argus.tenants.context import TenantContext


async def live_url(infra: Infra, tenant: TenantContext, camera: Camera) -> HlsUrl:
    """A signed, expiring HLS URL for a live camera on its node (409 ``not_live`` otherwise).

    Used by the API and by share links, whose token stands in for a session.
    """
    settings = infra.settings.ingest
    if not camera.enabled or camera.status != "online" or not camera.ingest_node_id:
        raise Conflict("the camera is not live", field="camera_id", code="not_live")
    if not settings.hls_secret:
        raise ServiceUnavailable("playback is not configured (ARGUS_HLS_SECRET)",
                                 code="streaming_unconfigured")
    async with infra.dbs.control_session() as session:
        node = await session.get(IngestNode, camera.ingest_node_id)
    if node is None:
        raise Conflict("the camera's ingest node is gone", field="camera_id",
                       code="not_live")
    base = node.hls_url.rstrip("/")
    stream = internal_name(tenant.slug, camera.id)
    path, expires = signed_hls(settings.hls_secret, stream, ttl=settings.hls_url_ttl)
    abr_url = None
    if camera.abr and camera.renditions:
        abr_url = base + path.rsplit("/", 1)[0] + "/abr.m3u8"
    return HlsUrl(camera.id, base + path, datetime.fromtimestamp(expires, UTC), abr_url,
                  camera.renditions if abr_url else None)
