"""Finalizing recordings: what the node agent does with the pieces nginx records.

nginx writes ``rec/<tenant>__<camera>-<unix time>.flv`` and calls ``record_done`` each time it
closes a piece (every ``--piece-minutes`` and when a stream ends). A closed piece is probed
once (ffprobe through ffmpeg-python); unreadable, it goes to ``quarantine/<camera>/<file>`` in
the bucket with a ``failed`` row — never deleted silently. Readable, it waits on disk
(``assembly.py``) until it and the pieces before it make a recording of the camera's chunk
length; then they are joined and remuxed to one MP4 without re-encoding (``-c copy``,
faststart), a thumbnail is taken, both go to the tenant's bucket under
``recordings/YYYY/MM/DD/<camera>/<start>.mp4``, the recording row is inserted, usage metered,
``recording-completed`` announced, and only then are the pieces deleted.

Idempotent at every step: a recording is named by its first piece (its ``source``, unique), the
object key comes from its start (first piece's end on disk minus its duration), uploads
overwrite, and usage is an outbox row committed with the recording row itself, drained into
the control schema's ledger exactly once (``argus.billing.ledger``). A rerun after a crash
anywhere leaves one row and one object; a rerun after success only removes what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import ffmpeg
import structlog
from sqlalchemy import select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.exc import IntegrityError

from argus.billing.ledger import drain_outbox, record_usage
from argus.platform.alerts.announce import announce
from argus.platform.cameras.models import Camera
from argus.platform.core.infra import Infra
from argus.platform.events.types import RecordingCompleted, RecordingFailed, publish
from argus.platform.ingest.names import internal_name, parse_piece
from argus.platform.recordings.assembly import Piece, ready_groups
from argus.platform.recordings.lifecycle import load_policy
from argus.platform.recordings.models import Recording
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.recordings")
DEFAULT_CHUNK_MINUTES = 60
# Every subprocess ends: a hung ffprobe/ffmpeg is killed, the piece quarantined or retried.
PROBE_TIMEOUT = 60.0
REMUX_TIMEOUT = 600.0
_locks: dict[str, asyncio.Lock] = {}


@dataclass(frozen=True)
class Probe:
    duration: float
    codec: str | None
    width: int | None
    height: int | None


def run_ffmpeg(args: list[str], timeout: float) -> bytes:
    """A subprocess that always ends: killed after ``timeout`` s (``ffmpeg.Error`` then)."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ffmpeg.Error(args[0], b"", f"timed out after {timeout:.0f} s".encode()) from None
    if done.returncode != 0:
        raise ffmpeg.Error(args[0], done.stdout, done.stderr)
    return done.stdout


def probe(path: Path) -> Probe:
    """Raises ValueError when the file holds no playable video (or ffprobe hangs on it)."""
    try:
        info = json.loads(run_ffmpeg(["ffprobe", "-show_format", "-show_streams", "-of", "json",
                                "-v", "error", str(path)], PROBE_TIMEOUT))
    except ffmpeg.Error as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines() if exc.stderr else []
        raise ValueError(f"ffprobe cannot read it: {lines[-1] if lines else 'no output'}"
                         ) from None
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    duration = float(info.get("format", {}).get("duration") or 0)
    if video is None or duration <= 0:
        raise ValueError("no video in it" if video is None else "it lasts 0 seconds")
    return Probe(duration, video.get("codec_name"), video.get("width"), video.get("height"))


def remux(sources: list[Path], mp4: Path, jpeg: Path, duration: float) -> None:
    """Join the pieces (concat demuxer) into one faststart MP4, copying the streams."""
    if len(sources) == 1:
        stream = ffmpeg.input(str(sources[0]), f="flv")
    else:
        listing = mp4.with_suffix(".txt")
        listing.write_text("".join(f"file '{p}'\n" for p in sources))
        stream = ffmpeg.input(str(listing), f="concat", safe=0)
    run_ffmpeg((stream.output(str(mp4), c="copy", movflags="+faststart", f="mp4")
          .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
          .overwrite_output().compile()), REMUX_TIMEOUT)
    run_ffmpeg((ffmpeg.input(str(mp4), ss=min(1.0, duration / 2))
          .output(str(jpeg), vframes=1, vf="scale='min(640,iw)':-2", q=5, f="image2",
                  vcodec="mjpeg")
          .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
          .overwrite_output().compile()), PROBE_TIMEOUT)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def object_key(camera_id: str, started: datetime) -> str:
    return (f"recordings/{started:%Y/%m/%d}/{camera_id}/"
            f"{started:%Y%m%dT%H%M%S}.{started.microsecond // 1000:03d}Z.mp4")


@dataclass(frozen=True)
class _CameraNow:
    slug: str
    camera_id: str
    tenant: TenantContext | None
    camera: Camera | None
    chunk_minutes: int


class Finalizer:
    def __init__(self, infra: Infra, resolver: TenantResolver, rec_dir: Path,
                 piece_minutes: float = 1) -> None:
        self.infra = infra
        self.resolver = resolver
        self.rec_dir = rec_dir.resolve()
        self.lock_dir = self.rec_dir.parent / ".finalize-locks"  # not in rec/: nginx's
        self.piece = timedelta(minutes=piece_minutes)
        self.schema = infra.settings.database.control_schema

    # --- entry points ------------------------------------------------------------------------

    async def finalize(self, path: str | Path, flush: bool = False) -> str:
        """A piece nginx closed (``record_done``): probe it, then finalize whatever recordings
        of its camera are ready. The outcome for the piece's own recording: done, waiting,
        already, discarded, quarantined, missing or ignored."""
        path = Path(path).resolve()
        piece = parse_piece(path.name)
        if path.parent != self.rec_dir or piece is None:
            log.warning("recording.ignored", file=path.name)  # never a file outside rec/
            return "ignored"
        async with self._camera_lock(piece.slug, piece.camera_id) as held:
            if not held:
                return "busy"
            camera = await self._camera(piece.slug, piece.camera_id)
            outcome = await self._close(path, camera)
            if outcome not in ("closed", "missing"):
                return outcome
            results = await self._assemble(camera, flush)
            name = path.name.removesuffix(".closed")
            return results.get(name, "waiting" if outcome == "closed" else "missing")

    async def sweep(self, flush: bool = False) -> dict[str, str]:
        """Finalize every camera's ready recordings (a loop; at start-up with ``flush``)."""
        cameras = {(n.slug, n.camera_id) for p in self.rec_dir.iterdir()
                   if (n := parse_piece(p.name))}
        results: dict[str, str] = {}
        for slug, camera_id in sorted(cameras):
            async with self._camera_lock(slug, camera_id) as held:
                if not held:  # another process (an agent still finishing) has it
                    continue
                camera = await self._camera(slug, camera_id)
                if flush:  # start-up: nothing is being written, every .flv is closed
                    for path in self.rec_dir.glob(f"{slug}__{camera_id}-*.flv"):
                        results[path.name] = await self._close(path, camera)
                results.update(await self._assemble(camera, flush))
        return results

    @contextlib.asynccontextmanager
    async def _camera_lock(self, slug: str, camera_id: str):
        """One finalization of a camera at a time: in this process (an asyncio lock) and
        across processes on the node (``flock`` on a lock file next to ``rec/``). Yields
        False when another process holds it: the caller skips, the next sweep retries."""
        name = f"{slug}__{camera_id}"
        async with _locks.setdefault(name, asyncio.Lock()):
            self.lock_dir.mkdir(exist_ok=True)
            with (self.lock_dir / f"{name}.lock").open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def leftovers(self) -> list[Path]:
        return sorted(p for p in self.rec_dir.iterdir() if parse_piece(p.name))

    # --- steps ------------------------------------------------------------------------------

    async def _camera(self, slug: str, camera_id: str) -> _CameraNow:
        """The tenant and the camera as they are now: read once per piece or sweep round."""
        tenant = await self.resolver.by_slug(slug)
        if tenant is None:
            return _CameraNow(slug, camera_id, None, None, 0)
        async with self.infra.dbs.tenant_session(tenant) as s:
            camera = await s.get(Camera, camera_id)
            return _CameraNow(slug, camera_id, tenant, camera,
                              await self._chunk_minutes(s, camera))

    async def _close(self, path: Path, now: _CameraNow) -> str:
        """Probe a piece nginx closed and keep it as ``.closed`` with its facts beside it."""
        if path.name.endswith(".closed"):
            return "closed" if path.exists() else "missing"
        closed = path.with_name(path.name + ".closed")
        if not path.exists():
            return "closed" if closed.exists() else "missing"
        tenant, camera_id = now.tenant, now.camera_id
        if tenant is None:
            return self._discard([path], "tenant gone")
        if now.camera is None or not now.camera.record:
            # nginx records every stream; this one is not wanted (no probe)
            return self._discard([path], "recording is off for the camera")
        ended = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        try:
            facts = await anyio.to_thread.run_sync(probe, path)
        except ValueError as exc:
            return await self._quarantine(tenant, camera_id, path, ended, str(exc))
        piece = Piece(closed, ended - timedelta(seconds=facts.duration), ended, facts.duration,
                      facts.codec, facts.width, facts.height)
        piece.save()
        path.replace(closed)
        return "closed"

    async def _assemble(self, now: _CameraNow, flush: bool) -> dict[str, str]:
        stem = internal_name(now.slug, now.camera_id)
        pieces = [p for p in (Piece.load(path) for path in
                              self.rec_dir.glob(f"{stem}-*.flv.closed")) if p]
        if not pieces:
            return {}
        tenant = now.tenant
        if tenant is None:
            return {p.name: self._discard([p.path, p.sidecar()], "tenant gone") for p in pieces}
        live = any(self.rec_dir.glob(f"{stem}-*.flv"))
        groups = ready_groups(pieces, timedelta(minutes=now.chunk_minutes), self.piece,
                              datetime.now(UTC), live, flush)
        results = {}
        for group in groups:
            outcome = await self._finalize_group(tenant, now.camera, now.camera_id, group)
            results.update(dict.fromkeys((p.name for p in group), outcome))
        return results

    @staticmethod
    async def _chunk_minutes(session, camera: Camera | None) -> int:
        if camera is not None and camera.chunk_minutes:
            return camera.chunk_minutes
        return (await load_policy(session)).chunk_minutes

    async def _finalize_group(self, tenant: TenantContext, camera: Camera | None,
                              camera_id: str, group: list[Piece]) -> str:
        source = group[0].name
        work = group[0].path.with_name(source.removesuffix(".flv"))
        mp4, jpeg = work.with_suffix(".mp4.part"), work.with_suffix(".jpg.part")
        # the pieces, their facts, and what a crashed run may have left half-made
        files = [f for p in group for f in (p.path, p.sidecar())] + [
            mp4, jpeg, mp4.with_suffix(".txt")]
        maker = self.infra.dbs.for_tenant(tenant)
        async with maker() as session:
            done = await session.scalar(select(Recording.id).where(Recording.source == source))
        if done is not None:
            self._remove(files)
            return "already"
        if camera is None or not camera.record:
            return self._discard(files, "recording is off for the camera")
        started, ended = group[0].started, group[-1].ended
        duration = sum(p.duration for p in group)
        try:
            await anyio.to_thread.run_sync(remux, [p.path for p in group], mp4, jpeg, duration)
        except ffmpeg.Error as exc:
            self._remove([mp4, jpeg, mp4.with_suffix(".txt")])
            reason = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            for piece in group:
                await self._quarantine(tenant, camera_id, piece.path, piece.ended,
                                       f"remux failed: {reason[-1] if reason else exc}")
                piece.sidecar().unlink(missing_ok=True)
            return "quarantined"
        key = object_key(camera_id, started)
        thumb_key = key.removesuffix(".mp4") + ".jpg"
        storage = self.infra.storage
        await storage.put_file(tenant.bucket, key, mp4, "video/mp4")
        await storage.put_file(tenant.bucket, thumb_key, jpeg, "image/jpeg")
        size = mp4.stat().st_size
        row = dict(camera_id=camera_id, started_at=started, ended_at=ended,
                   duration_s=duration, size_bytes=size, video_codec=group[0].codec,
                   width=group[0].width, height=group[0].height, object_key=key,
                   thumbnail_key=thumb_key, checksum=await anyio.to_thread.run_sync(sha256, mp4),
                   state="ready")
        recording_id = await self._insert(tenant, source, row)
        self._remove(files)
        log.info("recording.finalized", tenant=tenant.slug, camera_id=camera_id,
                 pieces=len(group), seconds=round(duration, 2), bytes=size)
        return "done" if recording_id else "already"

    async def _insert(self, tenant: TenantContext, source: str, row: dict) -> str | None:
        """Insert once (unique source), with its usage in the same transaction (the outbox);
        announce only a new row. Its id, or None when it existed already.

        (``rowcount`` cannot tell: asyncmy sets ``CLIENT_FOUND_ROWS``, so an upsert that
        changed nothing counts 1 too. The unique index refusing the insert can.)"""
        new_id = str(uuid.uuid4())
        stmt = insert(Recording).values(id=new_id, source=source, storage_tier="hot",
                                        created_at=datetime.now(UTC), **row)
        maker = self.infra.dbs.for_tenant(tenant)
        async with maker() as session:
            try:
                await session.execute(stmt)
            except IntegrityError:
                await session.rollback()
                return None
            if row["state"] == "ready":
                record_usage(session, "recording", source, row["started_at"].date(),
                             row["duration_s"], row["size_bytes"])
                announced = await announce(session, "recording.completed", {
                    "recording_id": new_id, "camera_id": row["camera_id"],
                    "started_at": row["started_at"], "ended_at": row["ended_at"],
                    "duration_s": round(row["duration_s"], 3), "size_bytes": row["size_bytes"]})
            else:
                announced = await announce(session, "recording.failed", {
                    "recording_id": new_id, "camera_id": row["camera_id"],
                    "at": row["ended_at"], "reason": row.get("failure_reason")})
            await session.commit()
        await announced.dispatch(self.infra.jobs, tenant.id)
        await self._drain(tenant)
        ended = RecordingCompleted if row["state"] == "ready" else RecordingFailed
        await publish(self.infra.redis, self.schema, tenant.id, ended(
            camera_id=row["camera_id"], recording_id=new_id, started_at=row["started_at"],
            ended_at=row["ended_at"], state=row["state"]))
        return new_id

    async def _drain(self, tenant: TenantContext) -> None:
        """Into the ledger now if possible; the general worker's sweep does it otherwise."""
        try:
            await drain_outbox(self.infra.dbs, tenant)
        except Exception as exc:
            log.warning("usage.drain_failed", tenant=tenant.slug, error=str(exc))

    async def _quarantine(self, tenant: TenantContext, camera_id: str, path: Path,
                          ended: datetime, reason: str) -> str:
        name = path.name.removesuffix(".closed")
        key = f"quarantine/{camera_id}/{name}"
        await self.infra.storage.put_file(tenant.bucket, key, path, "video/x-flv")
        await self._insert(tenant, name, dict(
            camera_id=camera_id, started_at=ended, ended_at=ended, duration_s=0.0,
            size_bytes=path.stat().st_size, video_codec=None, width=None, height=None,
            object_key=key, thumbnail_key=None, checksum=None, state="failed",
            failure_reason=reason[:300]))
        path.unlink(missing_ok=True)
        log.error("recording.quarantined", tenant=tenant.slug, camera_id=camera_id,
                  reason=reason)
        return "quarantined"

    def _discard(self, files: list[Path], why: str) -> str:
        self._remove(files)
        log.info("recording.discarded", file=files[0].name, reason=why)
        return "discarded"

    @staticmethod
    def _remove(files: list[Path]) -> None:
        for path in files:
            path.unlink(missing_ok=True)
