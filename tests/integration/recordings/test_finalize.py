"""Finalizing recorded chunks with real ffmpeg, MariaDB and storage: one row and one object per
chunk whatever crashes, unreadable chunks quarantined, usage metered once."""

from __future__ import annotations

import inspect
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from argus.billing.usage import UsageDaily
from argus.platform.cameras.models import Camera
from argus.platform.recordings.finalize import Finalizer
from argus.platform.recordings.models import Recording
from argus.tenants.models import Tenant

MTIME = datetime(2026, 11, 20, 10, 0, 30, 500000, tzinfo=UTC).timestamp()


def _chunk(rec: Path, slug: str, camera_id: str, seconds: float = 3) -> Path:
    rec.mkdir(exist_ok=True)
    path = rec / f"{slug}__{camera_id}-1795000000.flv"
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size=320x240:rate=25:duration={seconds}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv",
                    str(path)], check=True)
    os.utime(path, (MTIME, MTIME))
    return path


async def _rows(services, tenant) -> list[Recording]:
    async with services.dbs.tenant_session(tenant) as session:
        return list(await session.scalars(select(Recording)))


async def _usage(services, tenant_id) -> tuple[float, int, int]:
    async with services.dbs.control_session() as session:
        seconds, size = (await session.execute(
            select(func.coalesce(func.sum(UsageDaily.recorded_seconds), 0),
                   func.coalesce(func.sum(UsageDaily.recorded_bytes), 0))
            .where(UsageDaily.tenant_id == tenant_id))).one()
        stored = await session.scalar(select(Tenant.storage_bytes).where(Tenant.id == tenant_id))
    return float(seconds), int(size), int(stored)


async def test_a_chunk_becomes_one_mp4_one_row_and_usage(services, camera, tmp_path):
    tenant, camera_id = camera
    rec = tmp_path / "rec"
    path = _chunk(rec, tenant.slug, camera_id)
    finalizer = Finalizer(services, services.resolver, rec)
    assert await finalizer.finalize(path) == "done"
    assert not path.exists() and not list(rec.iterdir())
    (row,) = await _rows(services, tenant)
    assert row.state == "ready" and row.storage_tier == "hot"
    assert abs(row.duration_s - 3.0) < 0.1 and row.video_codec == "h264" and row.width == 320
    assert row.ended_at.timestamp() == pytest.approx(MTIME)
    assert row.started_at.timestamp() == pytest.approx(MTIME - row.duration_s)
    assert row.object_key == (f"recordings/2026/11/20/{camera_id}/"
                              f"{row.started_at:%Y%m%dT%H%M%S}."
                              f"{row.started_at.microsecond // 1000:03d}Z.mp4")
    keys = await services.storage.list_keys(tenant.bucket, "recordings/")
    assert keys == sorted([row.object_key, row.thumbnail_key])
    mp4 = tmp_path / "out.mp4"
    mp4.write_bytes(await services.storage.get(tenant.bucket, row.object_key))
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(mp4)], capture_output=True, text=True)
    assert abs(float(probe.stdout) - row.duration_s) < 0.1
    assert mp4.stat().st_size == row.size_bytes
    seconds, size, stored = await _usage(services, tenant.id)
    assert seconds == pytest.approx(row.duration_s) and size == stored == row.size_bytes

    # nginx reporting the same file again, or a rerun after success: nothing new.
    path = _chunk(rec, tenant.slug, camera_id)
    assert await finalizer.finalize(path) == "already"
    assert not path.exists() and len(await _rows(services, tenant)) == 1
    assert await _usage(services, tenant.id) == (seconds, size, stored)


@pytest.mark.parametrize("crash_in", ["upload", "_insert"])
async def test_a_crash_at_any_step_leaves_one_row_and_one_object(services, camera, tmp_path,
                                                                 monkeypatch, crash_in):
    tenant, camera_id = camera
    rec = tmp_path / "rec"
    path = _chunk(rec, tenant.slug, camera_id)
    finalizer = Finalizer(services, services.resolver, rec)
    if crash_in == "upload":  # the MP4 is in the bucket, nothing else happened
        storage = services.storage
        real_put = storage.put_file

        async def put_then_die(*args, **kwargs):
            await real_put(*args, **kwargs)
            monkeypatch.setattr(storage, "put_file", real_put)
            raise RuntimeError("killed")

        monkeypatch.setattr(storage, "put_file", put_then_die)
        with pytest.raises(RuntimeError):
            await finalizer.finalize(path)
    else:
        await _crash_once(monkeypatch, finalizer, path, crash_in)
    assert await finalizer.finalize(path) in ("done", "already")
    rows = await _rows(services, tenant)
    assert len(rows) == 1 and rows[0].state == "ready"
    keys = await services.storage.list_keys(tenant.bucket, "recordings/")
    assert len([k for k in keys if k.endswith(".mp4")]) == 1
    assert not list(rec.iterdir())
    seconds, size, _ = await _usage(services, tenant.id)
    assert seconds == pytest.approx(rows[0].duration_s) and size == rows[0].size_bytes


async def _crash_once(monkeypatch, finalizer, path, crash_in: str) -> None:
    real = getattr(Finalizer, crash_in)

    async def crash_after(*args, **kwargs):  # the step ran, then the process died
        await real(*args, **kwargs)
        raise RuntimeError("killed")

    def crash_after_sync(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("killed")

    monkeypatch.setattr(Finalizer, crash_in, crash_after if inspect.iscoroutinefunction(real)
                        else crash_after_sync)
    with pytest.raises(RuntimeError):
        await finalizer.finalize(path)
    monkeypatch.setattr(Finalizer, crash_in, real)


async def test_an_unreadable_chunk_is_quarantined_not_lost(services, camera, tmp_path):
    tenant, camera_id = camera
    rec = tmp_path / "rec"
    rec.mkdir()
    path = rec / f"{tenant.slug}__{camera_id}-1795000001.flv"
    path.write_bytes(b"FLV\x01 this is not a video" * 100)
    assert await Finalizer(services, services.resolver, rec).finalize(path) == "quarantined"
    (row,) = await _rows(services, tenant)
    assert row.state == "failed" and "ffprobe" in row.failure_reason
    assert row.object_key == f"quarantine/{camera_id}/{path.name}"
    assert await services.storage.get(tenant.bucket, row.object_key) == \
        b"FLV\x01 this is not a video" * 100
    assert not path.exists()
    assert await _usage(services, tenant.id) == (0.0, 0, 0)


async def test_chunks_of_cameras_not_recording_and_strange_paths(services, camera, tmp_path):
    tenant, camera_id = camera
    async with services.dbs.tenant_session(tenant) as session:
        (await session.get(Camera, camera_id)).record = False
        await session.commit()
    rec = tmp_path / "rec"
    path = _chunk(rec, tenant.slug, camera_id, seconds=1)
    finalizer = Finalizer(services, services.resolver, rec)
    assert await finalizer.finalize(path) == "discarded" and not path.exists()
    outside = tmp_path / f"{tenant.slug}__{camera_id}-1.flv"
    outside.write_bytes(b"x")
    assert await finalizer.finalize(outside) == "ignored" and outside.exists()
    assert await finalizer.finalize(rec / "../../etc/passwd") == "ignored"
    assert await _rows(services, tenant) == []


async def test_pieces_are_joined_into_the_cameras_chunk_length(services, camera, tmp_path):
    """Three 20-second pieces and a camera recording 1-minute chunks: one recording, one
    object, a minute long; the pieces wait on disk until the minute is full."""
    tenant, camera_id = camera
    async with services.dbs.tenant_session(tenant) as session:
        (await session.get(Camera, camera_id)).chunk_minutes = 1
        await session.commit()
    rec = tmp_path / "rec"
    rec.mkdir()
    # nginx pieces of 20 s
    finalizer = Finalizer(services, services.resolver, rec, piece_minutes=1 / 3)
    base = time.time() - 60
    outcomes = []
    for index in range(3):
        path = rec / f"{tenant.slug}__{camera_id}-{1795000000 + index}.flv"
        subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                        "-i", "testsrc2=size=320x240:rate=25:duration=20", "-c:v", "libx264",
                        "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv",
                        str(path)], check=True)
        ends = base + 20 * (index + 1)  # recent: the stream may still go on
        os.utime(path, (ends, ends))
        outcomes.append(await finalizer.finalize(path))
    assert outcomes == ["waiting", "waiting", "done"]
    (row,) = await _rows(services, tenant)
    assert abs(row.duration_s - 60) < 0.5
    assert row.started_at.timestamp() == pytest.approx(base, abs=0.5)
    assert row.ended_at.timestamp() == pytest.approx(base + 60)
    keys = await services.storage.list_keys(tenant.bucket, "recordings/")
    assert len([k for k in keys if k.endswith(".mp4")]) == 1
    mp4 = tmp_path / "joined.mp4"
    mp4.write_bytes(await services.storage.get(tenant.bucket, row.object_key))
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(mp4)], capture_output=True, text=True)
    assert abs(float(probe.stdout) - 60) < 0.5
    assert not list(rec.iterdir())


async def test_a_hung_ffmpeg_is_killed_and_a_second_process_skips_a_busy_camera(
        services, camera, tmp_path, monkeypatch):
    """Every subprocess has a timeout; while one process holds a camera's lock (a job that
    timed out but whose work goes on), another finalizing the same camera skips it."""
    import fcntl

    import argus.platform.recordings.finalize as finalize_module

    tenant, camera_id = camera
    rec = tmp_path / "rec"
    path = _chunk(rec, tenant.slug, camera_id)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ffprobe").write_text("#!/bin/sh\nsleep 30\n")
    (fake / "ffprobe").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    monkeypatch.setattr(finalize_module, "PROBE_TIMEOUT", 1.0)
    finalizer = Finalizer(services, services.resolver, rec)
    started = time.monotonic()
    assert await finalizer.finalize(path) == "quarantined"  # unreadable in time: kept, failed
    assert time.monotonic() - started < 15
    (row,) = await _rows(services, tenant)
    assert row.state == "failed" and "timed out" in row.failure_reason
    monkeypatch.undo()

    second = _chunk(rec, tenant.slug, camera_id, seconds=2)
    locks = tmp_path / ".finalize-locks"
    with (locks / f"{tenant.slug}__{camera_id}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process is finalizing this camera
        assert await finalizer.finalize(second) == "busy"
        assert await finalizer.sweep() == {}
        assert second.exists()
    assert await finalizer.finalize(second) in ("done", "waiting", "already")
