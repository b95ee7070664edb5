"""Clip export: one MP4 cut from a camera's recordings between two instants, across chunk
boundaries, without re-encoding (ffmpeg's concat demuxer with in/out points, ``-c copy``; cuts
land on keyframes, so a clip is accurate to one keyframe interval).

``recordings.service.request_clip`` validates and queues; ``make_clip`` (the ``export_clip``
job on the general worker, idempotent: a ready clip is left alone, a rerun overwrites the same
object) downloads the chunks it needs, cuts,
uploads ``clips/<clip id>.mp4`` and marks the clip ready (or failed, with the reason: a source
object gone, ffmpeg failing or hanging, the job timing out — never left ``processing``). A
ready clip's bytes are metered as storage (the usage outbox) until retention removes it
(``clip_retention_days``, default 7).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

import anyio
import ffmpeg
import structlog
from sqlalchemy import delete, select, update

from argus.billing.ledger import drain_outbox, record_usage
from argus.billing.usage import change_storage
from argus.platform.alerts.announce import announce
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.recordings.finalize import REMUX_TIMEOUT, probe, run_ffmpeg
from argus.platform.recordings.models import Clip, Recording
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.recordings")
STALE_AFTER = timedelta(minutes=30)  # longer than the export job's timeout


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
    run_ffmpeg((ffmpeg.input(str(listing), f="concat", safe=0)
                .output(str(out), c="copy", movflags="+faststart", f="mp4")
                .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
                .overwrite_output().compile()), REMUX_TIMEOUT)


async def make_clip(infra: Infra, tenant: TenantContext, clip_id: str) -> str:
    maker = infra.dbs.for_tenant(tenant)
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
        key, size, duration = await _make(infra, tenant, clip, rows)
        values = dict(state="ready", progress=100, object_key=key, size_bytes=size,
                      duration_s=duration, failure_reason=None)
    except asyncio.CancelledError:  # the job's timeout (or shutdown): never left processing
        await asyncio.shield(_fail(infra, tenant, clip, "export failed: it took too long"))
        raise
    except Exception as exc:  # a source object gone (S3 ClientError), ffmpeg, the disk ...
        detail = getattr(exc, "stderr", None)
        reason = (detail.decode(errors="replace").strip().splitlines() or [""])[-1] \
            if detail else (str(exc) or type(exc).__name__)
        log.warning("clip.failed", tenant=tenant.slug, clip_id=clip_id, reason=reason,
                    error=type(exc).__name__)
        await _fail(infra, tenant, clip, f"export failed: {reason}")
        return "failed"
    async with maker() as session:
        await session.execute(update(Clip).where(Clip.id == clip_id).values(
            updated_at=utcnow(), **values))
        # Its storage is metered with the state change (the outbox; once per clip).
        record_usage(session, "clip", clip_id, utcnow().date(), 0.0, size)
        announced = await announce(session, "clip.ready", {
            "clip_id": clip_id, "camera_id": clip.camera_id, "size_bytes": size,
            "duration_s": round(duration, 3)})
        await session.commit()
    await announced.dispatch(infra.jobs, tenant.id)
    try:
        await drain_outbox(infra.dbs, tenant)
    except Exception as exc:  # the general worker's sweep drains it later
        log.warning("usage.drain_failed", tenant=tenant.slug, error=str(exc))
    return "ready"


async def _fail(infra: Infra, tenant: TenantContext, clip: Clip, reason: str) -> None:
    async with infra.dbs.tenant_session(tenant) as session:
        await session.execute(update(Clip).where(Clip.id == clip.id).values(
            state="failed", failure_reason=reason[:300], updated_at=utcnow()))
        announced = await announce(session, "clip.failed", {
            "clip_id": clip.id, "camera_id": clip.camera_id, "reason": reason[:300]})
        await session.commit()
    await announced.dispatch(infra.jobs, tenant.id)


async def expire_clips(infra: Infra, tenant: TenantContext, keep_days: int,
                       stale_after: timedelta = STALE_AFTER) -> dict[str, int]:
    """Clips older than the tenant's clip retention go (object, row, storage); a clip stuck
    ``processing``/``pending`` past any job's lifetime (a worker that died) is failed."""
    maker = infra.dbs.for_tenant(tenant)
    now = utcnow()
    async with maker() as session:
        stuck = await session.execute(update(Clip).where(
            Clip.state.in_(("pending", "processing")), Clip.updated_at < now - stale_after)
            .values(state="failed", updated_at=now,
                    failure_reason="export failed: the worker stopped before it finished"))
        old = list(await session.scalars(select(Clip).where(
            Clip.created_at < now - timedelta(days=keep_days)).limit(500)))
        for clip in old:
            if clip.object_key:
                await infra.storage.delete(tenant.bucket, clip.object_key)
        if old:
            await session.execute(delete(Clip).where(Clip.id.in_([c.id for c in old])))
        await session.commit()
    freed = sum(c.size_bytes or 0 for c in old if c.state == "ready")
    if freed:
        async with infra.dbs.control_session() as control:
            await change_storage(control, tenant.id, -freed, "clip")
            await control.commit()
    return {"expired": len(old), "stuck": stuck.rowcount}


async def _make(infra: Infra, tenant: TenantContext, clip: Clip, rows: list[Recording]
                ) -> tuple[str, int, float]:
    if not rows:
        raise ValueError("the recordings in that window are gone")
    storage = infra.storage
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
