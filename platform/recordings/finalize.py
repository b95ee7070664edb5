"""Finalizing a recorded chunk: what the node agent does with each file nginx closes.

nginx writes ``rec/<tenant>__<camera>-<unix time>.flv`` and calls ``record_done`` at every
chunk boundary and at the end of a stream. For each file: probe it (ffprobe through
ffmpeg-python), remux it to MP4 without re-encoding (``-c copy``, faststart), take a thumbnail,
upload both to the tenant's bucket under ``recordings/YYYY/MM/DD/<camera>/<start>.mp4``, insert
the recording row, meter usage, announce ``recording-completed`` and only then delete the local
file. A file ffprobe cannot read goes to ``quarantine/<camera>/<file>`` in the bucket with a
``failed`` row: never deleted silently.

Idempotent at every step: the object key comes from the file (its start = modification time
minus duration), uploads overwrite, the row is unique on its source file name and usage is
metered only by the insert that created the row. A rerun after a crash anywhere leaves one row
and one object; a rerun after success only removes what is left on disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import ffmpeg
import structlog
from sqlalchemy import select
from sqlalchemy.dialects.mysql import insert

from argus.billing.usage import meter_recording
from argus.platform.cameras.models import Camera
from argus.platform.core.events import events_channel
from argus.platform.recordings.models import Recording
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.recordings")
CHUNK_RE = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)__(?P<camera>[0-9a-f-]{36})-\d+\.flv$")
_locks: dict[str, asyncio.Lock] = {}


@dataclass(frozen=True)
class Probe:
    duration: float
    codec: str | None
    width: int | None
    height: int | None


def probe(path: Path) -> Probe:
    """Raises ValueError when the file holds no playable video."""
    try:
        info = ffmpeg.probe(str(path))
    except ffmpeg.Error as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines() if exc.stderr else []
        raise ValueError(f"ffprobe cannot read it: {lines[-1] if lines else 'no output'}") from None
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    duration = float(info.get("format", {}).get("duration") or 0)
    if video is None or duration <= 0:
        raise ValueError("no video in it" if video is None else "it lasts 0 seconds")
    return Probe(duration, video.get("codec_name"), video.get("width"), video.get("height"))


def remux(source: Path, mp4: Path, jpeg: Path, duration: float) -> None:
    (ffmpeg.input(str(source))
     .output(str(mp4), c="copy", movflags="+faststart", f="mp4")
     .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
     .run(overwrite_output=True, capture_stdout=True, capture_stderr=True))
    (ffmpeg.input(str(mp4), ss=min(1.0, duration / 2))
     .output(str(jpeg), vframes=1, vf="scale='min(640,iw)':-2", q=5, f="image2",
             vcodec="mjpeg")
     .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
     .run(overwrite_output=True, capture_stdout=True, capture_stderr=True))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def object_key(camera_id: str, started: datetime) -> str:
    return (f"recordings/{started:%Y/%m/%d}/{camera_id}/"
            f"{started:%Y%m%dT%H%M%S}.{started.microsecond // 1000:03d}Z.mp4")


class Finalizer:
    def __init__(self, state, rec_dir: Path) -> None:
        self.state = state
        self.rec_dir = rec_dir.resolve()
        self.schema = state["settings"].database.control_schema

    async def finalize(self, path: str | Path) -> str:
        """One chunk; the outcome: done, already, discarded, quarantined, missing, ignored."""
        path = Path(path).resolve()
        if path.parent != self.rec_dir or not CHUNK_RE.match(path.name):
            log.warning("recording.ignored", file=path.name)  # never a file outside rec/
            return "ignored"
        lock = _locks.setdefault(path.name, asyncio.Lock())
        async with lock:
            try:
                return await self._finalize(path)
            finally:
                _locks.pop(path.name, None)

    async def _finalize(self, path: Path) -> str:
        match = CHUNK_RE.match(path.name)
        slug, camera_id = match["slug"], match["camera"]
        tenant = await self.state["resolver"].by_slug(slug)
        if tenant is None:
            return self._discard(path, "tenant gone")
        maker = self.state["dbs"].tenant_sessions(tenant.db_cluster, tenant.schema)
        async with maker() as session:
            done = await session.scalar(select(Recording.id).where(
                Recording.source == path.name))
            camera = await session.get(Camera, camera_id)
        if done is not None:
            self._cleanup(path)
            return "already"
        if not path.exists():
            return "missing"
        if camera is None or not camera.record:
            return self._discard(path, "recording is off for the camera")
        ended = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        try:
            facts = await anyio.to_thread.run_sync(probe, path)
        except ValueError as exc:
            return await self._quarantine(tenant, camera_id, path, ended, str(exc))
        started = ended - timedelta(seconds=facts.duration)
        mp4, jpeg = path.with_suffix(".mp4.part"), path.with_suffix(".jpg.part")
        try:
            await anyio.to_thread.run_sync(remux, path, mp4, jpeg, facts.duration)
        except ffmpeg.Error as exc:
            self._cleanup_parts(path)
            reason = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            return await self._quarantine(tenant, camera_id, path, ended,
                                          f"remux failed: {reason[-1] if reason else exc}")
        key = object_key(camera_id, started)
        thumb_key = key.removesuffix(".mp4") + ".jpg"
        storage = self.state["storage"]
        await storage.put_file(tenant.bucket, key, mp4, "video/mp4")
        await storage.put_file(tenant.bucket, thumb_key, jpeg, "image/jpeg")
        size = mp4.stat().st_size
        row = dict(camera_id=camera_id, started_at=started, ended_at=ended,
                   duration_s=facts.duration, size_bytes=size, video_codec=facts.codec,
                   width=facts.width, height=facts.height, object_key=key,
                   thumbnail_key=thumb_key, checksum=await anyio.to_thread.run_sync(sha256, mp4),
                   state="ready")
        recording_id = await self._insert(tenant, path.name, row)
        self._cleanup(path)
        log.info("recording.finalized", tenant=tenant.slug, camera_id=camera_id,
                 seconds=round(facts.duration, 2), bytes=size)
        return "done" if recording_id else "already"

    async def _insert(self, tenant: TenantContext, source: str, row: dict) -> str | None:
        """Insert once (unique source); meter and announce only a new row. Its id, or None."""
        new_id = str(uuid.uuid4())
        stmt = insert(Recording).values(id=new_id, source=source, storage_tier="hot",
                                        created_at=datetime.now(UTC), **row)
        maker = self.state["dbs"].tenant_sessions(tenant.db_cluster, tenant.schema)
        async with maker() as session:
            result = await session.execute(stmt.on_duplicate_key_update(id=Recording.id))
            await session.commit()
        if result.rowcount != 1:
            return None
        if row["state"] == "ready":
            async with self.state["dbs"].control_session() as control:
                await meter_recording(control, tenant.id, row["started_at"].date(),
                                      row["duration_s"], row["size_bytes"])
                await control.commit()
        event = {"type": "recording-completed" if row["state"] == "ready"
                 else "recording-failed", "cameraId": row["camera_id"],
                 "recordingId": new_id, "startedAt": row["started_at"].isoformat(),
                 "endedAt": row["ended_at"].isoformat(), "state": row["state"]}
        await self.state["redis"].publish(events_channel(self.schema, tenant.id),
                                          json.dumps(event))
        return new_id

    async def _quarantine(self, tenant: TenantContext, camera_id: str, path: Path,
                          ended: datetime, reason: str) -> str:
        key = f"quarantine/{camera_id}/{path.name}"
        await self.state["storage"].put_file(tenant.bucket, key, path, "video/x-flv")
        await self._insert(tenant, path.name, dict(
            camera_id=camera_id, started_at=ended, ended_at=ended, duration_s=0.0,
            size_bytes=path.stat().st_size, video_codec=None, width=None, height=None,
            object_key=key, thumbnail_key=None, checksum=None, state="failed",
            failure_reason=reason[:300]))
        self._cleanup(path)
        log.error("recording.quarantined", tenant=tenant.slug, camera_id=camera_id,
                  reason=reason)
        return "quarantined"

    def _discard(self, path: Path, why: str) -> str:
        self._cleanup(path)
        log.info("recording.discarded", file=path.name, reason=why)
        return "discarded"

    @staticmethod
    def _cleanup_parts(path: Path) -> None:
        for part in (path.with_suffix(".mp4.part"), path.with_suffix(".jpg.part")):
            part.unlink(missing_ok=True)

    def _cleanup(self, path: Path) -> None:
        self._cleanup_parts(path)
        path.unlink(missing_ok=True)

    def leftovers(self) -> list[Path]:
        """Chunks on disk (at start-up, before nginx runs, every one of them is closed)."""
        return sorted(p for p in self.rec_dir.glob("*.flv") if CHUNK_RE.match(p.name))
