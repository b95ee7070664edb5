"""The recordings API: time filters, timelines with gaps, playback at an instant, signed
downloads, deletion (object, then row), and tenant isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from argus.platform.recordings.models import Recording
from argus.tenants.models import Tenant
from tests.integration.conftest import bearer, login

T0 = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _record(services, tenant, camera_id: str, start: datetime, seconds: float,
                  state_: str = "ready") -> Recording:
    row = await services.tenant_service.get(tenant.slug)
    recording = Recording(camera_id=camera_id, started_at=start,
                          ended_at=start + timedelta(seconds=seconds), duration_s=seconds,
                          size_bytes=1000, object_key=f"recordings/x/{uuid.uuid4()}.mp4",
                          source=str(uuid.uuid4()), state=state_)
    await services.storage.put(row.bucket, recording.object_key, b"\x00" * 1000)
    async with services.dbs.tenant_session(row) as session:
        session.add(recording)
        await session.commit()
    return recording


async def test_timeline_playback_download_delete(client_for, tenant_a, tenant_b, services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    viewer = (await login(client, tenant_a, "viewer"))["access_token"]
    b_admin = (await login(client, tenant_b))["access_token"]
    camera_id = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                   json={"name": "Rec"})).json()["camera"]["id"]
    # Two contiguous minutes, a 30 s outage, one more minute; and a failed chunk.
    first = await _record(services, tenant_a, camera_id, T0, 60)
    await _record(services, tenant_a, camera_id, T0 + timedelta(seconds=60.4), 59.6)
    third = await _record(services, tenant_a, camera_id, T0 + timedelta(seconds=150), 60)
    await _record(services, tenant_a, camera_id, T0 + timedelta(seconds=240), 0, "failed")

    timeline = (await client.get(
        f"/api/v1/cameras/{camera_id}/timeline", headers=bearer(tenant_a, viewer),
        params={"from": _iso(T0 - timedelta(minutes=1)),
                "to": _iso(T0 + timedelta(minutes=5))})).json()
    assert [(s["start"], s["end"]) for s in timeline["spans"]] == [
        (_iso(T0), _iso(T0 + timedelta(seconds=120))),
        (_iso(T0 + timedelta(seconds=150)), _iso(T0 + timedelta(seconds=210)))]
    assert [(g["start"], g["end"]) for g in timeline["gaps"]] == [
        (_iso(T0 - timedelta(minutes=1)), _iso(T0)),
        (_iso(T0 + timedelta(seconds=120)), _iso(T0 + timedelta(seconds=150))),
        (_iso(T0 + timedelta(seconds=210)), _iso(T0 + timedelta(minutes=5)))]
    assert len(timeline["recordings"]) == 4

    listed = (await client.get("/api/v1/recordings", headers=bearer(tenant_a, viewer), params={
        "camera_id": camera_id, "from": _iso(T0 + timedelta(seconds=100)),
        "to": _iso(T0 + timedelta(seconds=200)), "state": "ready", "limit": 1})).json()
    assert len(listed["items"]) == 1 and listed["items"][0]["id"] == third.id
    more = (await client.get("/api/v1/recordings", headers=bearer(tenant_a, viewer), params={
        "camera_id": camera_id, "from": _iso(T0 + timedelta(seconds=100)),
        "to": _iso(T0 + timedelta(seconds=200)), "state": "ready", "limit": 1,
        "cursor": listed["next_cursor"]})).json()
    assert len(more["items"]) == 1 and more["next_cursor"] is None
    bad = await client.get("/api/v1/recordings", headers=bearer(tenant_a, viewer),
                           params={"tier": "lukewarm"})
    assert bad.status_code == 422 and bad.json()["field"] == "tier"

    played = (await client.get(f"/api/v1/cameras/{camera_id}/playback",
                               headers=bearer(tenant_a, viewer),
                               params={"at": _iso(T0 + timedelta(seconds=170))})).json()
    assert played["recording"]["id"] == third.id and played["offset_s"] == 20.0
    outage = await client.get(f"/api/v1/cameras/{camera_id}/playback",
                              headers=bearer(tenant_a, viewer),
                              params={"at": _iso(T0 + timedelta(seconds=130))})
    assert outage.status_code == 404 and outage.json()["code"] == "not_recorded"

    # The directory backend's download link works without credentials, and only as signed.
    link = (await client.get(f"/api/v1/recordings/{first.id}/download",
                             headers=bearer(tenant_a, viewer))).json()["url"]
    parts = urlsplit(link)
    got = await client.get(f"{parts.path}?{parts.query}", headers={"Host": tenant_a.host})
    assert got.status_code == 200 and got.content == b"\x00" * 1000
    assert got.headers["content-type"] == "video/mp4"
    tampered = parts.query.replace("signature=", "signature=0")
    assert (await client.get(f"{parts.path}?{tampered}", headers={"Host": tenant_a.host})
            ).status_code == 404
    assert (await client.get(f"{parts.path}?{parts.query}", headers={"Host": tenant_b.host})
            ).status_code == 404  # another tenant's host
    expired = parts.query.replace("expires=", "expires=1")
    assert (await client.get(f"{parts.path}?{expired}", headers={"Host": tenant_a.host})
            ).status_code == 404

    # Tenant B sees, downloads and deletes none of it.
    for method, path in (("GET", f"/api/v1/recordings/{first.id}"),
                         ("GET", f"/api/v1/recordings/{first.id}/download"),
                         ("DELETE", f"/api/v1/recordings/{first.id}"),
                         ("GET", f"/api/v1/cameras/{camera_id}/timeline?from={_iso(T0)}"
                                 f"&to={_iso(T0 + timedelta(hours=1))}")):
        assert (await client.request(method, path, headers=bearer(tenant_b, b_admin))
                ).status_code == 404, path
    assert (await client.get("/api/v1/recordings", headers=bearer(tenant_b, b_admin))
            ).json()["items"] == []

    # A viewer cannot delete; an admin can: the object goes, then the row.
    assert (await client.delete(f"/api/v1/recordings/{first.id}",
                                headers=bearer(tenant_a, viewer))).status_code == 403
    async with services.dbs.control_session() as session:
        before = await session.scalar(select(Tenant.storage_bytes).where(
            Tenant.id == tenant_a.id))
    assert (await client.delete(f"/api/v1/recordings/{first.id}",
                                headers=bearer(tenant_a, admin))).status_code == 204
    bucket = (await services.tenant_service.get(tenant_a.slug)).bucket
    assert first.object_key not in await services.storage.list_keys(bucket, "recordings/")
    assert (await client.get(f"/api/v1/recordings/{first.id}", headers=bearer(tenant_a, admin))
            ).status_code == 404
    async with services.dbs.control_session() as session:
        after = await session.scalar(select(Tenant.storage_bytes).where(
            Tenant.id == tenant_a.id))
    assert after == before - 1000


async def test_recording_settings_are_validated_and_kept(client_for, tenant_a):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    assert (await client.get("/api/v1/settings/recording", headers=bearer(tenant_a, admin))
            ).json() == {"retention_days": None, "warm_after_days": 7, "cold_after_days": 30,
                         "chunk_minutes": 60, "clip_retention_days": 7}
    for body, field in (({"warm_after_days": 30, "cold_after_days": 30}, "cold_after_days"),
                        ({"clip_retention_days": 0}, "clip_retention_days"),
                        ({"retention_days": 0}, "retention_days"),
                        ({"retention_days": "ten"}, "retention_days")):
        response = await client.put("/api/v1/settings/recording",
                                    headers=bearer(tenant_a, admin), json=body)
        assert response.status_code in (400, 422) and field in response.text, body
    saved = await client.put("/api/v1/settings/recording", headers=bearer(tenant_a, admin),
                             json={"retention_days": 14, "warm_after_days": 3})
    assert saved.json() == {"retention_days": 14, "warm_after_days": 3, "cold_after_days": 30,
                            "chunk_minutes": 60, "clip_retention_days": 7}
    assert (await client.get("/api/v1/settings/recording", headers=bearer(tenant_a, admin))
            ).json() == saved.json()
    camera = await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                               json={"name": "Keep", "retention_days": 99999})
    assert camera.status_code == 422 and camera.json()["field"] == "retention_days"
    # The plan caps retention (standard: 90 days), for a camera and for the tenant.
    camera = await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                               json={"name": "Keep", "retention_days": 365})
    assert camera.status_code == 402 and camera.json() == {
        "status_code": 402, "code": "quota_exceeded", "field": "retention_days",
        "plan": "standard", "limit": 90, "used": 365,
        "detail": "the 'standard' plan keeps recordings at most 90 days"}
    over = await client.put("/api/v1/settings/recording", headers=bearer(tenant_a, admin),
                            json={"retention_days": 91})
    assert over.status_code == 402 and over.json()["field"] == "retention_days"
    camera = await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                               json={"name": "Keep", "retention_days": 90})
    assert camera.json()["camera"]["retention_days"] == 90


async def test_the_s3_presigned_download_serves_the_object(control, s3_settings, tenant_a):
    """On the real S3 endpoint (moto's server): the download answer is a presigned URL that
    fetches the recording's bytes (moto does not check signatures: their security is S3's)."""
    import httpx

    from argus.platform.app import create_app, services_of_app

    app = create_app(s3_settings)
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as client:
            token = (await login(client, tenant_a))["access_token"]
            headers = bearer(tenant_a, token)
            camera_id = (await client.post("/api/v1/cameras", headers=headers,
                                           json={"name": "S3"})).json()["camera"]["id"]
            row = await services_of_app(app).tenant_service.get(tenant_a.slug)
            recording = Recording(camera_id=camera_id, started_at=T0,
                                  ended_at=T0 + timedelta(seconds=60), duration_s=60.0,
                                  size_bytes=11, object_key=f"recordings/s3/{uuid.uuid4()}.mp4",
                                  source=str(uuid.uuid4()), state="ready")
            await services_of_app(app).storage.create_bucket(row.bucket)
            await services_of_app(app).storage.put(row.bucket, recording.object_key, b"mp4-content")
            async with services_of_app(app).dbs.tenant_session(row) as session:
                session.add(recording)
                await session.commit()
            answer = await client.get(f"/api/v1/recordings/{recording.id}/download",
                                      headers=headers)
            assert answer.status_code == 200, answer.text
            url = answer.json()["url"]
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == s3_settings.storage.s3_endpoint_url
        assert "X-Amz-Signature=" in parts.query and "X-Amz-Expires=" in parts.query
        fetched = httpx.get(url, timeout=10)
        assert fetched.status_code == 200 and fetched.content == b"mp4-content"
    finally:
        await services_of_app(app).close()
