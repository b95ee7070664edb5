"""Clip export: one MP4 cut from a camera's recordings between two instants, across chunk
boundaries, without re-encoding (ffmpeg's concat demuxer with in/out points, ``-c copy``; cuts
land on keyframes, so a clip is accurate to one keyframe interval).

``request_clip`` validates and queues; ``export_clip`` (general worker, idempotent: a ready
clip is left alone, a rerun overwrites the same object) downloads the chunks it needs, cuts,
uploads ``clips/<clip id>.mp4`` and marks the clip ready (or failed, with the reason).
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import ffmpeg
import structlog
from sqlalchemy import select, update

from argus.platform.core.db import utcnow
from argus.platform.core.errors import Conflict, Invalid
from argus.platform.core.jobs import Jobs
from argus.platform.recordings.finalize import probe
from argus.platform.recordings.models import Clip, Recording
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.recordings")
MAX_CLIP = timedelta(hours=1)


async def request_clip(session, jobs: Jobs, tenant: TenantContext, audit, camera_id: str,
                       start: datetime, end: datetime) -> Clip:
    if end <= start:
        raise Invalid("to must be after from", field="to")
    if end - start > MAX_CLIP:
        raise Invalid("a clip lasts at most 60 minutes", field="to")
    covered = await session.scalar(
        select(Recording.id).where(Recording.camera_id == camera_id, Recording.state == "ready",
                                   Recording.ended_at > start, Recording.started_at < end)
        .limit(1))
    if covered is None:
        raise Conflict("nothing was recorded between from and to", field="from",
                       code="not_recorded")
    clip = Clip(id=str(uuid.uuid4()), camera_id=camera_id, starts_at=start, ends_at=end,
                state="pending")
    session.add(clip)
    audit.record("clips.create", "clip", clip.id, detail={
        "camera_id": camera_id, "from": start.isoformat(), "to": end.isoformat()})
    await session.commit()
    await jobs.general("export_clip", tenant.id, clip.id, job_id=f"clip:{clip.id}")
    return clip


def cut(parts: list[tuple[Path, float | None, float | None]], out: Path, work: Path) -> None:
    listing = work / "parts.txt"
    lines = []
    for path, inpoint, outpoint in parts:
        lines.append(f"file '{path}'")
        if inpoint:
            lines.append(f"inpoint {inpoint:.3f}")
        if outpoint is not None:
            lines.append(f"outpoint {outpoint:.3f}")
    listing.write_text("\n".join(lines) + "\n")
    (ffmpeg.input(str(listing), f="concat", safe=0)
     .output(str(out), c="copy", movflags="+faststart", f="mp4")
     .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
     .run(overwrite_output=True, capture_stdout=True, capture_stderr=True))


async def export_clip(state, tenant: TenantContext, clip_id: str) -> str:
    maker = state["dbs"].tenant_sessions(tenant.db_cluster, tenant.schema)
    async with maker() as session:
        clip = await session.get(Clip, clip_id)
        if clip is None or clip.state == "ready":
            return "gone" if clip is None else "ready"
        rows = list(await session.scalars(
            select(Recording).where(Recording.camera_id == clip.camera_id,
                                    Recording.state == "ready",
                                    Recording.ended_at > clip.starts_at,
                                    Recording.started_at < clip.ends_at)
            .order_by(Recording.started_at)))
        await session.execute(update(Clip).where(Clip.id == clip_id).values(
            state="processing", progress=10, updated_at=utcnow()))
        await session.commit()
    try:
        key, size, duration = await _make(state, tenant, clip, rows)
        values = dict(state="ready", progress=100, object_key=key, size_bytes=size,
                      duration_s=duration, failure_reason=None)
    except (ffmpeg.Error, ValueError, OSError) as exc:
        detail = getattr(exc, "stderr", None)
        reason = (detail.decode(errors="replace").strip().splitlines() or [""])[-1] \
            if detail else str(exc)
        values = dict(state="failed", failure_reason=f"export failed: {reason}"[:300])
        log.warning("clip.failed", tenant=tenant.slug, clip_id=clip_id, reason=reason)
    async with maker() as session:
        await session.execute(update(Clip).where(Clip.id == clip_id).values(
            updated_at=utcnow(), **values))
        await session.commit()
    return values["state"]


async def _make(state, tenant: TenantContext, clip: Clip, rows: list[Recording]
                ) -> tuple[str, int, float]:
    if not rows:
        raise ValueError("the recordings in that window are gone")
    storage = state["storage"]
    with tempfile.TemporaryDirectory(prefix="argus-clip-") as tmp:
        work = Path(tmp)
        parts = []
        for index, row in enumerate(rows):
            local = work / f"{index}.mp4"
            await storage.get_file(tenant.bucket, row.object_key, local)
            inpoint = max(0.0, (clip.starts_at - row.started_at).total_seconds())
            outpoint = (clip.ends_at - row.started_at).total_seconds()
            parts.append((local, inpoint or None,
                          outpoint if outpoint < row.duration_s else None))
        out = work / "clip.mp4"
        await anyio.to_thread.run_sync(cut, parts, out, work)
        facts = await anyio.to_thread.run_sync(probe, out)
        key = f"clips/{clip.id}.mp4"
        await storage.put_file(tenant.bucket, key, out, "video/mp4")
        return key, out.stat().st_size, facts.duration
