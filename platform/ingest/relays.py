"""RTSP pull: one supervised ffmpeg per ``rtsp_pull`` camera placed on this node.

ffmpeg pulls over TCP and publishes the stream into this node's ``live`` application under the
camera's internal name (admitted for RTSP cameras from 127.0.0.1), so it is recorded and relayed
like a pushed camera and the usual callbacks mark it online. ffmpeg exits 0 when an RTSP
server vanishes and hangs on one that stops answering without ``-timeout``, so every exit counts
as the camera dropping out. Restarts back off (1, 2, 4 ... ``relay_backoff_max`` s); after
``GIVE_UP`` quick failures in a row the camera goes to ``error`` with the reason, and attempts go
on at the longest pause so that it comes back by itself. ``RelaySupervisor.reconcile`` (every
few seconds) makes the running relays match the enabled pull cameras placed here.

RTSP URLs carry credentials: they are never logged, and reasons are masked.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import structlog
from sqlalchemy import select

from argus.platform.cameras.models import Camera
from argus.platform.cameras.rtsp import RtspRefused, mask_credentials, pinned_rtsp_url
from argus.platform.core.infra import Infra
from argus.platform.ingest.live import set_status
from argus.platform.ingest.models import CameraPlacement
from argus.platform.ingest.names import internal_name
from argus.platform.ingest.signing import relay_token
from argus.platform.ingest.supervised import Supervised
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.ingest.relay")
GIVE_UP = 3
STEADY = 30.0  # a relay that ran this long was working: its exit starts a fresh count


@dataclass(frozen=True)
class PullCamera:
    tenant: TenantContext
    camera_id: str
    rtsp_url: str


class Relay(Supervised):
    def __init__(self, supervisor: RelaySupervisor, camera: PullCamera) -> None:
        self.supervisor = supervisor
        self.camera = camera
        self.proc: asyncio.subprocess.Process | None = None
        self.state = "connecting"  # then running, retrying (after an exit), error (given up)
        self.task = asyncio.create_task(self._run(), name=f"relay:{camera.camera_id}")

    def command(self, url: str) -> list[str]:
        name = internal_name(self.camera.tenant.slug, self.camera.camera_id)
        return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-xerror",
                "-rtsp_transport", "tcp", "-timeout", "5000000", "-i", url,
                "-c", "copy", "-f", "flv", f"{self.supervisor.target}/{name}"
                f"?relay={relay_token(self.supervisor.node_secret, name)}"]

    async def _status(self, status: str, reason: str | None = None, **kw) -> None:
        sup = self.supervisor
        try:
            await set_status(sup.infra, self.camera.tenant, self.camera.camera_id, status,
                             reason=reason, **kw)
        except Exception as exc:
            log.warning("relay.status_failed", camera_id=self.camera.camera_id, error=str(exc))

    async def _run(self) -> None:
        failures = 0
        backoff_max = self.supervisor.backoff_max
        while True:
            if failures == 0:
                await self._status("connecting", only_from=("offline",))
            started = time.monotonic()
            try:  # resolved and checked on every attempt: ffmpeg gets the checked address
                url = await pinned_rtsp_url(self.camera.rtsp_url,
                                            self.supervisor.allow_private)
            except RtspRefused as refused:
                url, code, lines = None, None, [str(refused)]
            if url is not None:
                self.proc = await asyncio.create_subprocess_exec(
                    *self.command(url), stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                self.state = "running"
                _, err = await self.proc.communicate()
                code = self.proc.returncode
                lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
            ran = time.monotonic() - started
            failures = 1 if ran >= STEADY else failures + 1
            reason = mask_credentials(lines[-1] if lines else f"ffmpeg exited with {code}")[:160]
            log.info("relay.exited", camera_id=self.camera.camera_id, code=code,
                     seconds=round(ran, 1), failures=failures, reason=reason)
            if self.state != "error":
                self.state = "retrying"
            if failures == GIVE_UP:
                self.state = "error"
                await self._status("error", reason=f"RTSP source unreachable: {reason}")
            await asyncio.sleep(min(backoff_max, 2 ** (failures - 1)))


class RelaySupervisor:
    def __init__(self, infra: Infra, node_id: str, rtmp_address: str, node_secret: str) -> None:
        self.infra = infra
        self.node_secret = node_secret
        self.node_id = node_id
        self.target = f"rtmp://{rtmp_address}/live"
        self.backoff_max = infra.settings.ingest.relay_backoff_max
        self.allow_private = infra.settings.ingest.rtsp_allow_private
        self.relays: dict[str, Relay] = {}

    async def wanted(self) -> dict[str, PullCamera]:
        """The enabled pull cameras of active tenants placed on this node."""
        dbs = self.infra.dbs
        async with dbs.control_session() as session:
            placed = list(await session.execute(
                select(CameraPlacement.tenant_id, CameraPlacement.camera_id)
                .where(CameraPlacement.node_id == self.node_id, CameraPlacement.pull.is_(True),
                       CameraPlacement.enabled.is_(True))))
            by_tenant: dict[str, list[str]] = defaultdict(list)
            for tenant_id, camera_id in placed:
                by_tenant[tenant_id].append(camera_id)
            tenants = list(await session.scalars(
                select(Tenant).where(Tenant.id.in_(list(by_tenant)), Tenant.state == "active")))
        wanted: dict[str, PullCamera] = {}
        for row in tenants:
            tenant = TenantContext.from_row(row)
            async with dbs.tenant_session(tenant) as session:
                cameras = await session.execute(
                    select(Camera.id, Camera.rtsp_url)
                    .where(Camera.id.in_(by_tenant[tenant.id]), Camera.enabled.is_(True),
                           Camera.ingest_mode == "rtsp_pull", Camera.rtsp_url.is_not(None)))
                for camera_id, url in cameras:
                    wanted[camera_id] = PullCamera(tenant, camera_id, url)
        return wanted

    async def reconcile(self) -> None:
        wanted = await self.wanted()
        for camera_id, relay in list(self.relays.items()):
            new = wanted.get(camera_id)
            if new is None or new.rtsp_url != relay.camera.rtsp_url:  # gone, off, or moved
                del self.relays[camera_id]
                await relay.stop()
                log.info("relay.stopped", camera_id=camera_id)
        for camera_id, camera in wanted.items():
            if camera_id not in self.relays:
                self.relays[camera_id] = Relay(self, camera)
                log.info("relay.started", camera_id=camera_id, tenant=camera.tenant.slug)

    async def stop_all(self) -> None:
        relays, self.relays = list(self.relays.values()), {}
        await asyncio.gather(*(relay.stop() for relay in relays), return_exceptions=True)
