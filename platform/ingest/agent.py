"""The node agent: what runs beside nginx on an ingest node (``argus ingest run``).

- **Heartbeat** (every ``ARGUS_INGEST_HEARTBEAT_INTERVAL`` s): the node row's
  ``last_heartbeat_at``, live stream count and ``problems`` — recording or HLS directories
  nginx cannot write, and new ``[crit]``/``[alert]``/``[emerg]`` lines of nginx's error log.
  A new problem is logged at error level and kept on the node row (the provider's view); tenants
  get a ``system-alert`` only for what concerns them (node-wide problems, or their own camera
  named in an nginx line, never the line itself).
- **Reconcile** (same interval): nginx's ``rtmp_stat`` against what Redis says is live here,
  and a health sample (bitrate, fps, size) of every live stream (``analytics.health``). A
  stream gone without a ``publish_done`` (two polls in a row) is treated as one; a stream
  nobody announced is announced. Live facts (codec, size, fps, bitrate) go to the camera row
  when they change (bitrate: by more than a quarter), and at least every ``FACTS_REFRESH`` s
  as ``last_seen_at``, with the bytes received so far on the camera's open stream session.
- **Thumbnails** (every ``ARGUS_INGEST_THUMBNAIL_INTERVAL`` s): one JPEG per live stream from its
  newest HLS segment, to ``thumbnails/<camera id>.jpg`` in the tenant's bucket.
- **Egress**: HLS bytes served, per camera and day, from nginx's access log (``egress.py``).
- **ABR** transcoders for live cameras with `abr` on (see `abr.py`).
- **Jobs** on the node's arq queue: ``drop_publisher`` (see ``node.py``).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import stat
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog
from sqlalchemy import update

from argus.billing.sessions import StreamSession
from argus.platform.analytics.health import Sample, sample
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.events.types import SystemAlert, publish
from argus.platform.ingest.abr import AbrSupervisor
from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.names import INTERNAL_NAME_IN_TEXT, split_internal_name
from argus.platform.ingest.provider_alerts import check_recording_volume, tell_provider
from argus.platform.ingest.service import StreamStatus
from argus.platform.observability.series import THUMBNAIL_BATCH_SECONDS
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.ingest.agent")
FACTS_REFRESH = 60.0
THUMBNAIL_BATCH = 25
LOUD = ("[crit]", "[alert]", "[emerg]")


@dataclass(frozen=True)
class StreamFacts:
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    kbps: int | None = None
    audio: bool = False
    bytes_in: int = 0  # since the publish began (the stream session's bytes in)


def _num(node: ET.Element | None, path: str, kind=int):
    text = node.findtext(path) if node is not None else None
    try:
        return kind(text) if text not in (None, "") else None
    except ValueError:
        return None


def parse_stat(xml: bytes, app: str = "internal") -> dict[str, StreamFacts]:
    """Publishing streams of ``app`` in nginx-rtmp's stat XML, with their live facts."""
    streams: dict[str, StreamFacts] = {}
    root = ET.fromstring(xml)
    for application in root.iter("application"):
        if application.findtext("name") != app:
            continue
        for stream in application.iter("stream"):
            if stream.find("publishing") is None:
                continue
            video = stream.find("meta/video")
            audio_codec = stream.findtext("meta/audio/codec")
            bw = _num(stream, "bw_video") or _num(stream, "bw_in")
            streams[stream.findtext("name", "")] = StreamFacts(
                codec=video.findtext("codec") if video is not None else None,
                width=_num(video, "width"), height=_num(video, "height"),
                fps=_num(video, "frame_rate", float), kbps=bw // 1000 if bw else None,
                audio=audio_codec in ("AAC", "MP3"), bytes_in=_num(stream, "bytes_in") or 0)
    return streams


def _same(a: StreamFacts, b: StreamFacts) -> bool:
    """Equal but for bitrate jitter (under a quarter): not worth a database write."""
    if (a.codec, a.width, a.height, a.fps, a.audio) != (b.codec, b.width, b.height, b.fps,
                                                         b.audio):
        return False
    if not a.kbps or not b.kbps:
        return a.kbps == b.kbps
    return abs(a.kbps - b.kbps) <= 0.25 * a.kbps


def writable_by(path: Path, user: str) -> bool:
    """Whether ``user`` may create files in ``path`` (by its mode bits; root may)."""
    try:
        info = path.stat()
        entry = pwd.getpwnam(user)
    except (OSError, KeyError):
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if entry.pw_uid == 0:
        return True
    if info.st_uid == entry.pw_uid:
        return bool(info.st_mode & stat.S_IWUSR and info.st_mode & stat.S_IXUSR)
    groups = {entry.pw_gid, *os.getgrouplist(user, entry.pw_gid)}
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IWGRP and info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IWOTH and info.st_mode & stat.S_IXOTH)


class NodeAgent:
    def __init__(self, infra: Infra, stream_status: StreamStatus, node_id: str, work_dir: Path,
                 http_address: str, nginx_user: str) -> None:
        self.infra = infra
        self.settings = infra.settings
        self.node_id = node_id
        self.work_dir = work_dir
        self.nginx_user = nginx_user
        self.base = f"http://{http_address}"
        self.stream_status = stream_status
        self.live = self.stream_status.live
        self.streams: dict[str, StreamFacts] = {}
        self._thumbnailed: set[str] = set()  # streams with a thumbnail this round
        self._thumbnail_round = 0.0  # when the last full round started (monotonic)
        self._missing_once: set[str] = set()
        self._facts: dict[str, tuple[StreamFacts, float]] = {}
        self._log_offset = 0
        self._log_lines: list[str] = []
        self.problems: str | None = None
        self._alerted: list[str] = []  # the node-wide problems tenants were last told about
        self.http = httpx.AsyncClient(timeout=5)
        self.abr: AbrSupervisor | None = None  # set by the node (it knows the RTMP address)

    async def close(self) -> None:
        await self.http.aclose()

    # --- helpers -------------------------------------------------------------------------

    async def tenant(self, slug: str) -> TenantContext | None:
        return await self.stream_status.tenant(slug=slug)  # cached by the tenant resolver

    async def drop(self, app: str, client_id: str) -> bool:
        """Drop one publisher (nginx's ``rtmp_control``); False if it was already gone."""
        response = await self.http.get(f"{self.base}/control/drop/client",
                                       params={"app": app, "clientid": client_id})
        dropped = response.status_code == 200 and response.text.strip() not in ("", "0")
        log.info("ingest.publisher_dropped", node=self.node_id, app=app, dropped=dropped)
        return dropped

    # --- reconcile ---------------------------------------------------------------------------

    async def forget_previous_run(self) -> None:
        """At start nothing is live here: streams an earlier run left marked live (it died, or
        the control plane missed its callbacks) end now, with the usual grace period."""
        for name in await self.live.node_streams(self.node_id):
            await self._safely(self.stream_status.stream_ended, name)

    async def reconcile(self) -> None:
        response = await self.http.get(f"{self.base}/stat")
        response.raise_for_status()
        streams = parse_stat(response.content)
        known = await self.live.node_streams(self.node_id)
        for name in set(known) - set(streams):
            if name in self._missing_once:  # gone twice in a row: it ended uncleanly
                self._missing_once.discard(name)
                log.warning("ingest.stream_vanished", node=self.node_id, stream=name)
                await self._safely(self.stream_status.stream_ended, name)
            else:
                self._missing_once.add(name)
        self._missing_once &= set(known)
        for name in set(streams) - set(known):
            log.warning("ingest.stream_unannounced", node=self.node_id, stream=name)
            await self._safely(self.stream_status.stream_started, name)
        self.streams = streams
        for name, facts in streams.items():
            await self._write_facts(name, facts)
        await self._sample_health(streams)
        for name in set(self._facts) - set(streams):
            del self._facts[name]
        if self.abr is not None:
            await self.abr.reconcile(streams)

    async def _safely(self, action, name: str) -> None:
        try:
            await action({"app": "internal", "name": name}, self.node_id)
        except Exception as exc:  # one odd stream must not stop the loop
            log.warning("ingest.reconcile_failed", stream=name, error=str(exc))

    async def _sample_health(self, streams: dict[str, StreamFacts]) -> None:
        """Each live stream's bitrate, fps and size now: one insert per tenant."""
        by_tenant: dict[str, list[Sample]] = {}
        for name, facts in streams.items():
            try:
                slug, camera_id = split_internal_name(name)
            except Exception:
                continue
            by_tenant.setdefault(slug, []).append(
                Sample(camera_id, facts.kbps, facts.fps, facts.width, facts.height))
        now = utcnow()
        for slug, samples in by_tenant.items():
            tenant = await self.tenant(slug)
            if tenant is None:
                continue
            try:
                async with self.infra.dbs.tenant_session(tenant) as s:
                    await sample(s, now, samples)
                    await s.commit()
            except Exception as exc:  # a lost sample is a gap in a chart, nothing more
                log.warning("ingest.health_sample_failed", tenant=slug, error=str(exc))

    async def _write_facts(self, name: str, facts: StreamFacts) -> None:
        last = self._facts.get(name)
        if last and _same(last[0], facts) and time.monotonic() - last[1] < FACTS_REFRESH:
            return
        try:
            slug, camera_id = split_internal_name(name)
        except Exception:
            return
        tenant = await self.tenant(slug)
        if tenant is None:
            return
        async with self.infra.dbs.tenant_session(tenant) as s:
            await s.execute(update(Camera).where(Camera.id == camera_id).values(
                video_codec=facts.codec, width=facts.width, height=facts.height, fps=facts.fps,
                bitrate_kbps=facts.kbps, last_seen_at=utcnow()))
            await s.execute(update(StreamSession).where(
                StreamSession.camera_id == camera_id, StreamSession.ended_at.is_(None))
                .values(bytes_in=facts.bytes_in))
            await s.commit()
        self._facts[name] = (facts, time.monotonic())
        if await self.stream_status.stream_over_plan(tenant, camera_id, facts.kbps,
                                                     facts.height):
            publisher = await self.live.take_publisher(camera_id)
            if publisher is not None and publisher.node_id == self.node_id:
                await self.drop("live", publisher.client_id)

    # --- heartbeat ---------------------------------------------------------------------------

    def check(self) -> tuple[list[str], list[str]]:
        """What is wrong on this node now: node-wide problems (directories nginx cannot
        write) and the loud lines nginx logged since the last look."""
        found = [f"{sub}/ is not writable by nginx's user {self.nginx_user}: "
                 + ("recordings are being lost" if sub == "rec" else "live HLS is failing")
                 for sub in ("rec", "hls") if not writable_by(self.work_dir / sub,
                                                              self.nginx_user)]
        return found, self._new_log_lines()

    def _new_log_lines(self) -> list[str]:
        """Loud lines nginx logged since the last look (kept until they stop coming)."""
        path = self.work_dir / "log" / "error.log"
        try:
            with path.open("rb") as f:
                f.seek(0, os.SEEK_END)
                if f.tell() < self._log_offset:
                    self._log_offset = 0  # rotated
                f.seek(self._log_offset)
                chunk = f.read(256 * 1024)
                self._log_offset = f.tell()
        except OSError:
            return []
        lines = [line.split(" ", 2)[-1] for line in chunk.decode(errors="replace").splitlines()
                 if any(mark in line for mark in LOUD)]
        return [line[:300] for line in lines[-20:]]

    async def heartbeat(self) -> None:
        node_wide, lines = self.check()
        volume = await check_recording_volume(self.infra, self.node_id, self.work_dir / "rec")
        found = node_wide + ([volume] if volume else []) + (
            [f"nginx: {lines[-1][:200]}"] if lines else [])
        problems = "; ".join(found)[:500] if found else None
        async with self.infra.dbs.control_session() as session:
            # back from "offline"; a node an operator set to "draining" stays so
            back = await session.execute(update(IngestNode).where(
                IngestNode.id == self.node_id, IngestNode.state == "offline").values(
                state="active"))
            await session.execute(update(IngestNode).where(IngestNode.id == self.node_id).values(
                last_heartbeat_at=utcnow(), live_streams=len(self.streams), problems=problems))
            await session.commit()
        if back.rowcount:
            log.info("ingest.node_back", node=self.node_id)
            await tell_provider(self.infra, f"node {self.node_id} is back",
                                f"Ingest node {self.node_id} is heartbeating again and takes "
                                "new cameras.")
        if problems and problems != self.problems:
            log.error("ingest.node_problem", node=self.node_id, problems=problems)
            await self._alert(node_wide if node_wide != self._alerted else [], lines)
        elif self.problems and not problems:
            log.info("ingest.node_healthy", node=self.node_id)
        self._alerted = node_wide
        self.problems = problems

    async def _alert(self, node_wide: list[str], lines: list[str]) -> None:
        """Tenants hear only what concerns them: node-wide problems go to every tenant
        streaming here; an nginx line goes (without its text, which may name other tenants'
        streams) only to the tenant whose camera it names. The raw lines stay with the
        provider: the node row, the log."""
        streams = await self.live.node_streams(self.node_id)  # internal name → tenant id
        schema = self.settings.database.control_schema
        at = utcnow()
        outbox: list[tuple[str, SystemAlert]] = []
        if node_wide:
            alert = SystemAlert(severity="error", node=self.node_id, at=at,
                                message="; ".join(node_wide))
            outbox += [(tenant_id, alert) for tenant_id in set(streams.values())]
        named = {m.group(0) for line in lines for m in INTERNAL_NAME_IN_TEXT.finditer(line)}
        for name in sorted(named):
            tenant_id = streams.get(name)
            if tenant_id is not None:
                outbox.append((tenant_id, SystemAlert(
                    severity="error", node=self.node_id, at=at,
                    camera_id=split_internal_name(name)[1],
                    message="the ingest node reported an error on this camera's stream")))
        for tenant_id, event in outbox:
            await publish(self.infra.redis, schema, tenant_id, event)

    # --- thumbnails --------------------------------------------------------------------------

    async def thumbnail_tick(self) -> int:
        """Every ``thumbnail_interval`` a full round over the live streams; between rounds,
        only streams that went live since, so a new camera's tile gets a picture within
        seconds while the rest stay batched together."""
        now = time.monotonic()
        if now - self._thumbnail_round >= self.settings.ingest.thumbnail_interval:
            self._thumbnail_round = now
            self._thumbnailed.clear()
            return await self.thumbnails()
        self._thumbnailed &= set(self.streams)
        new = [name for name in self.streams if name not in self._thumbnailed]
        return await self.thumbnails(new) if new else 0

    async def thumbnails(self, names: list[str] | None = None) -> int:
        """One ffmpeg per batch of streams: a process start costs more than the decode."""
        sources = []
        for name in list(self.streams) if names is None else names:
            source = self._newest_segment(name)
            if source is not None:
                sources.append((name, source))
        made = 0
        for i in range(0, len(sources), THUMBNAIL_BATCH):
            batch = sources[i:i + THUMBNAIL_BATCH]
            started = time.perf_counter()
            jpegs = await self._grab(batch)
            if jpegs is None and len(batch) > 1:  # one bad input fails a batch: go one by one
                jpegs = {}
                for one in batch:
                    jpegs.update(await self._grab([one]) or {})
            for name, jpeg in (jpegs or {}).items():
                try:
                    slug, camera_id = split_internal_name(name)
                    tenant = await self.tenant(slug)
                    if tenant is not None:
                        await self.infra.storage.put(tenant.bucket,
                                                        f"thumbnails/{camera_id}.jpg", jpeg,
                                                        content_type="image/jpeg")
                        self._thumbnailed.add(name)
                        made += 1
                except Exception as exc:
                    log.warning("ingest.thumbnail_failed", stream=name, error=str(exc))
            THUMBNAIL_BATCH_SECONDS.observe(time.perf_counter() - started)
        return made

    def _newest_segment(self, name: str) -> Path | None:
        directory = self.work_dir / "hls" / name
        try:
            playlist = (directory / "index.m3u8").read_text()
        except OSError:
            return None
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        if not segments or "/" in segments[-1]:
            return None
        return directory / segments[-1]

    async def _grab(self, batch: list[tuple[str, Path]]) -> dict[str, bytes] | None:
        """The first keyframe of each segment as a JPEG (≤ 640 px wide), or None on failure."""
        with tempfile.TemporaryDirectory(prefix="argus-thumbs-") as tmp:
            argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                    "-filter_threads", "1"]
            for _, source in batch:
                argv += ["-threads", "1", "-skip_frame", "nokey", "-i", str(source)]
            for index in range(len(batch)):
                argv += ["-map", f"{index}:v:0", "-frames:v", "1",
                         "-vf", "scale='min(640,iw)':-2:flags=fast_bilinear", "-q:v", "5",
                         "-c:v", "mjpeg", "-threads", "1", "-f", "image2",
                         f"{tmp}/{index}.jpg"]
            proc = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return None
            if proc.returncode != 0:
                return None
            out = {}
            for index, (name, _) in enumerate(batch):
                jpeg = Path(tmp, f"{index}.jpg")
                if jpeg.exists() and jpeg.stat().st_size:
                    out[name] = jpeg.read_bytes()
            return out
