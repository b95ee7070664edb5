"""Clip export across a chunk boundary, with real ffmpeg: the clip lasts what was asked
(± one keyframe interval), downloads through its URL, and bad windows are refused."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from argus.platform.cameras.models import Camera
from argus.platform.recordings.finalize import Finalizer
from argus.platform.recordings.jobs import export_clip
from argus.platform.services import CTX_KEY
from tests.integration.conftest import bearer, login

T = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _chunk(rec, slug, camera_id, index: int, ends: datetime) -> None:
    path = rec / f"{slug}__{camera_id}-{1795000000 + index}.flv"
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=25:duration=6", "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv",
                    str(path)], check=True)
    os.utime(path, (ends.timestamp(), ends.timestamp()))


async def _recorded_camera(services, tenant_a, tmp_path, chunks: int) -> tuple:
    """A recording camera with ``chunks`` finalized 6 s recordings from ``T`` on."""
    tenant = await services.resolver.by_slug(tenant_a.slug)
    camera_id = str(uuid.uuid4())
    async with services.dbs.tenant_session(tenant) as session:
        session.add(Camera(id=camera_id, name="Clip", record=True))
        await session.commit()
    rec = tmp_path / "rec"
    rec.mkdir()
    for index in range(chunks):
        _chunk(rec, tenant.slug, camera_id, index, T + timedelta(seconds=6 * (index + 1)))
    finalizer = Finalizer(services, services.resolver, rec)
    for chunk in finalizer.leftovers():
        assert await finalizer.finalize(chunk) == "done"
    return tenant, camera_id


async def test_a_clip_across_two_chunks(client_for, tenant_a, services, tmp_path):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    viewer = (await login(client, tenant_a, "viewer"))["access_token"]
    tenant, camera_id = await _recorded_camera(services, tenant_a, tmp_path, chunks=2)

    window = {"from": _iso(T + timedelta(seconds=3)), "to": _iso(T + timedelta(seconds=9))}
    refused = await client.post(f"/api/v1/cameras/{camera_id}/clips",
                                headers=bearer(tenant_a, viewer), json=window)
    assert refused.status_code == 403  # viewers watch; exporting needs clips:export
    operator = (await login(client, tenant_a, "operator"))["access_token"]
    asked = await client.post(f"/api/v1/cameras/{camera_id}/clips",
                              headers=bearer(tenant_a, operator), json=window)
    assert asked.status_code == 202, asked.text
    clip = asked.json()
    assert clip["state"] == "pending" and clip["from"] == _iso(T + timedelta(seconds=3))
    assert await export_clip({CTX_KEY: services}, tenant.id, clip["id"]) == "ready"
    assert await export_clip({CTX_KEY: services}, tenant.id, clip["id"]) == "ready"  # idempotent
    done = (await client.get(f"/api/v1/clips/{clip['id']}", headers=bearer(tenant_a, viewer))
            ).json()
    assert done["state"] == "ready" and done["progress"] == 100
    assert abs(done["duration_s"] - 6.0) <= 1.0
    link = urlsplit(done["download_url"])
    got = await client.get(f"{link.path}?{link.query}", headers={"Host": tenant_a.host})
    assert got.status_code == 200
    mp4 = tmp_path / "clip.mp4"
    mp4.write_bytes(got.content)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(mp4)], capture_output=True, text=True)
    assert abs(float(probe.stdout) - 6.0) <= 1.0

    for body, status, field in (
            ({"from": _iso(T + timedelta(seconds=9)), "to": _iso(T)}, 422, "to"),
            ({"from": _iso(T), "to": _iso(T + timedelta(hours=2))}, 422, "to"),
            ({"from": _iso(T - timedelta(days=1)),
              "to": _iso(T - timedelta(days=1, seconds=-60))}, 409, "from")):
        refused = await client.post(f"/api/v1/cameras/{camera_id}/clips",
                                    headers=bearer(tenant_a, admin), json=body)
        assert refused.status_code == status and refused.json()["field"] == field, body



async def _clip_of_one_chunk(client, tenant_a, services, tmp_path) -> tuple:
    admin = (await login(client, tenant_a))["access_token"]
    tenant, camera_id = await _recorded_camera(services, tenant_a, tmp_path, chunks=1)
    asked = await client.post(f"/api/v1/cameras/{camera_id}/clips",
                              headers=bearer(tenant_a, admin),
                              json={"from": _iso(T + timedelta(seconds=1)),
                                    "to": _iso(T + timedelta(seconds=4))})
    assert asked.status_code == 202, asked.text
    return tenant, admin, camera_id, asked.json()["id"]


async def _stored(services, tenant_id) -> int:
    from sqlalchemy import select

    from argus.tenants.models import Tenant

    async with services.dbs.control_session() as session:
        return await session.scalar(select(Tenant.storage_bytes).where(Tenant.id == tenant_id))


async def test_a_clip_whose_source_object_is_gone_fails_with_a_reason(client_for, tenant_a,
                                                                     s3_services, tmp_path):
    """On the real S3 endpoint: the recording's object was deleted before the export ran."""
    from sqlalchemy import select

    from argus.platform.recordings.models import Recording

    client = client_for()
    bucket = (await s3_services.tenant_service.get(tenant_a.slug)).bucket
    await s3_services.storage.create_bucket(bucket)  # the tenant was made on the local backend
    tenant, admin, camera_id, clip_id = await _clip_of_one_chunk(client, tenant_a, s3_services,
                                                                   tmp_path)
    async with s3_services.dbs.tenant_session(tenant) as session:
        for row in await session.scalars(select(Recording)):
            await s3_services.storage.delete(tenant.bucket, row.object_key)
    assert await export_clip({CTX_KEY: s3_services}, tenant.id, clip_id) == "failed"
    body = (await client.get(f"/api/v1/clips/{clip_id}", headers=bearer(tenant_a, admin))
            ).json()
    assert body["state"] == "failed" and body["failure_reason"].startswith("export failed")


async def test_clips_are_metered_expired_and_never_left_processing(client_for, tenant_a,
                                                                   services, tmp_path):
    from sqlalchemy import update

    from argus.platform.core.db import utcnow
    from argus.platform.recordings.clips import expire_clips
    from argus.platform.recordings.models import Clip

    client = client_for()
    tenant, admin, camera_id, clip_id = await _clip_of_one_chunk(client, tenant_a, services,
                                                                   tmp_path)
    before = await _stored(services, tenant.id)
    assert await export_clip({CTX_KEY: services}, tenant.id, clip_id) == "ready"
    ready = (await client.get(f"/api/v1/clips/{clip_id}", headers=bearer(tenant_a, admin))
             ).json()
    assert await _stored(services, tenant.id) == before + ready["size_bytes"]
    assert await export_clip({CTX_KEY: services}, tenant.id, clip_id) == "ready"  # once only
    assert await _stored(services, tenant.id) == before + ready["size_bytes"]

    # A second clip whose worker died mid-way is failed by the sweep, not left processing.
    stuck = (await client.post(f"/api/v1/cameras/{camera_id}/clips",
                               headers=bearer(tenant_a, admin),
                               json={"from": _iso(T + timedelta(seconds=1)),
                                     "to": _iso(T + timedelta(seconds=2))})).json()["id"]
    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        await session.execute(update(Clip).where(Clip.id == stuck).values(
            state="processing", updated_at=utcnow() - timedelta(hours=1)))
        await session.commit()
    assert (await expire_clips(services, tenant, keep_days=7))["stuck"] == 1
    gone = (await client.get(f"/api/v1/clips/{stuck}", headers=bearer(tenant_a, admin))).json()
    assert gone["state"] == "failed" and "stopped" in gone["failure_reason"]

    # Retention: an old ready clip goes, object and storage with it.
    async with maker() as session:
        await session.execute(update(Clip).where(Clip.id == clip_id).values(
            created_at=utcnow() - timedelta(days=8)))
        await session.commit()
    assert (await expire_clips(services, tenant, keep_days=7))["expired"] == 1
    assert (await client.get(f"/api/v1/clips/{clip_id}", headers=bearer(tenant_a, admin))
            ).status_code == 404
    assert await _stored(services, tenant.id) == before
    assert not await services.storage.list_keys(tenant.bucket, "clips/")
