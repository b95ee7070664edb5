"""Adaptive bitrate (opt-in per camera, ``abr``): the node agent transcodes a live stream into a
ladder of renditions with a master playlist, beside nginx's own HLS of the source.

One ffmpeg per ABR camera plays the stream from this node's ``internal`` application and writes
``abr.m3u8`` (master) and ``abr_<rendition>.m3u8`` + segments into the stream's HLS directory,
so the signed URL of the stream covers them. The ladder is 1080p/720p/480p, never above the
source (a smaller source gets one rendition at its own height). x264 costs about a core per
camera for 1080/720/480 on this kind of machine, hence opt-in. A transcoder that exits is
restarted with backoff while the stream is live; the camera row's ``renditions`` says what
exists, and is cleared when the transcoder stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import structlog
from sqlalchemy import select, update

from argus.platform.cameras.models import Camera
from argus.platform.ingest.models import CameraPlacement
from argus.platform.ingest.names import split_internal_name
from argus.platform.ingest.supervised import Supervised

log = structlog.get_logger("argus.ingest.abr")
LADDER = ((1080, 5000), (720, 2800), (480, 1200))  # height, video kbit/s


def ladder(source_height: int | None) -> list[tuple[int, int]]:
    if not source_height:
        return []
    rungs = [(h, kbps) for h, kbps in LADDER if h <= source_height]
    return rungs or [(source_height - source_height % 2, 600)]


def command(source: str, out_dir: Path, rungs: list[tuple[int, int]], fps: float | None,
            audio: bool) -> list[str]:
    n = len(rungs)
    gop = str(max(2, round(2 * (fps or 25))))  # a keyframe every 2 s: segments of 2 s
    split = f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n))
    scales = ";".join(f"[s{i}]scale=-2:{h}[v{i}]" for i, (h, _) in enumerate(rungs))
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
            "-rw_timeout", "10000000", "-i", source,
            "-filter_complex", f"{split};{scales}"]
    stream_map = []
    for i, (height, kbps) in enumerate(rungs):
        argv += ["-map", f"[v{i}]"]
        if audio:
            argv += ["-map", "0:a:0"]
        argv += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps * 11 // 10}k",
                 f"-bufsize:v:{i}", f"{kbps * 2}k"]
        stream_map.append(f"v:{i}" + (f",a:{i}" if audio else "") + f",name:{height}p")
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-g", gop,
             "-keyint_min", gop, "-sc_threshold", "0"]
    if audio:
        argv += ["-c:a", "copy"]
    argv += ["-f", "hls", "-hls_time", "2", "-hls_list_size", "6",
             "-hls_flags", "delete_segments+independent_segments+temp_file",
             "-hls_segment_filename", str(out_dir / "abr_%v_%d.ts"),
             "-master_pl_name", "abr.m3u8", "-var_stream_map", " ".join(stream_map),
             str(out_dir / "abr_%v.m3u8")]
    return argv


class Transcoder(Supervised):
    def __init__(self, supervisor: AbrSupervisor, name: str, facts) -> None:
        self.supervisor = supervisor
        self.name = name
        self.rungs = ladder(facts.height)
        self.argv = command(f"{supervisor.source}/{name}", supervisor.hls_dir / name,
                            self.rungs, facts.fps, facts.audio)
        self.renditions = [f"{h}p" for h, _ in self.rungs]
        self.proc: asyncio.subprocess.Process | None = None
        self.task = asyncio.create_task(self._run(), name=f"abr:{name}")

    async def _run(self) -> None:
        failures = 0
        await self.supervisor.set_renditions(self.name, self.renditions)
        while True:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _, err = await self.proc.communicate()
            failures += 1
            lines = err.decode(errors="replace").strip().splitlines()
            log.warning("abr.exited", stream=self.name, code=self.proc.returncode,
                        reason=lines[-1][:200] if lines else None)
            await asyncio.sleep(min(30, 2 ** min(failures, 5)))

    async def stop(self) -> None:
        await super().stop()
        await self.supervisor.set_renditions(self.name, None)


class AbrSupervisor:
    def __init__(self, agent, rtmp_address: str) -> None:
        self.agent = agent
        self.source = f"rtmp://{rtmp_address}/internal"
        self.hls_dir = agent.work_dir / "hls"
        self.running: dict[str, Transcoder] = {}

    async def set_renditions(self, name: str, renditions: list[str] | None) -> None:
        try:
            slug, camera_id = split_internal_name(name)
            tenant = await self.agent.tenant(slug)
            if tenant is None:
                return
            maker = self.agent.infra.dbs.for_tenant(tenant)
            async with maker() as session:
                await session.execute(update(Camera).where(Camera.id == camera_id)
                                      .values(renditions=renditions))
                await session.commit()
        except Exception as exc:
            log.warning("abr.renditions_not_saved", stream=name, error=str(exc))

    async def wanted(self, streams: dict) -> dict:
        """The live streams whose camera has ABR on (one query on the placement index)."""
        by_camera = {}
        for name in streams:
            with contextlib.suppress(Exception):
                by_camera[split_internal_name(name)[1]] = name
        if not by_camera:
            return {}
        async with self.agent.infra.dbs.control_session() as session:
            ids = set(await session.scalars(select(CameraPlacement.camera_id).where(
                CameraPlacement.camera_id.in_(list(by_camera)),
                CameraPlacement.abr.is_(True))))
        return {by_camera[c]: streams[by_camera[c]] for c in ids
                if streams[by_camera[c]].height}

    async def reconcile(self, streams: dict) -> None:
        wanted = await self.wanted(streams)
        for name in list(self.running):
            if name not in wanted:
                await self.running.pop(name).stop()
                log.info("abr.stopped", stream=name)
        for name, facts in wanted.items():
            if name not in self.running:
                self.running[name] = Transcoder(self, name, facts)
                log.info("abr.started", stream=name, renditions=self.running[name].renditions)

    async def stop_all(self) -> None:
        running, self.running = list(self.running.values()), {}
        await asyncio.gather(*(t.stop() for t in running), return_exceptions=True)
