"""The camera management API: keys shown once and stored hashed, filters, bulk, isolation."""

from __future__ import annotations

import dataclasses

import httpx
from sqlalchemy import select

from argus.platform.app import create_app, services_of_app
from argus.platform.cameras.models import StreamKey
from argus.platform.identity.tokens import digest
from tests.integration.conftest import bearer, login


async def _stream_keys(services, tenant_id: str, camera_id: str) -> list[str]:
    async with services.dbs.control_session() as session:
        return list(await session.scalars(
            select(StreamKey.key_hash).where(StreamKey.tenant_id == tenant_id,
                                             StreamKey.camera_id == camera_id)))


async def test_create_shows_the_key_once_and_stores_its_hash(admin_session, services):
    client, tenant, admin = admin_session
    response = await client.post("/api/v1/cameras", headers=bearer(tenant, admin),
                                 json={"name": "Gate 1", "vendor": "hikvision",
                                       "tags": ["gate", "north"], "location": "North gate"})
    assert response.status_code == 201, response.text
    body = response.json()
    camera, ingest = body["camera"], body["ingest"]
    key = ingest["stream_key"]
    assert ingest["full_url"].endswith("/" + key) and ingest["setup_hints"]
    assert camera["stream_key_hint"] == key[:4] and camera["status"] == "offline"
    assert await _stream_keys(services, tenant.id, camera["id"]) == [digest(key)]
    shown = await client.get(f"/api/v1/cameras/{camera['id']}", headers=bearer(tenant, admin))
    assert key not in shown.text

    rotated = await client.post(f"/api/v1/cameras/{camera['id']}/stream-key",
                                headers=bearer(tenant, admin))
    new_key = rotated.json()["stream_key"]
    assert new_key != key
    assert await _stream_keys(services, tenant.id, camera["id"]) == [digest(new_key)]

    deleted = await client.delete(f"/api/v1/cameras/{camera['id']}",
                                  headers=bearer(tenant, admin))
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/cameras/{camera['id']}", headers=bearer(tenant, admin))
            ).status_code == 404
    assert await _stream_keys(services, tenant.id, camera["id"]) == []


async def test_rtsp_credentials_are_never_returned(admin_session):
    client, tenant, admin = admin_session
    headers = bearer(tenant, admin)
    missing = await client.post("/api/v1/cameras", headers=headers,
                                json={"name": "Pull", "ingest_mode": "rtsp_pull"})
    assert missing.status_code == 422 and missing.json()["field"] == "rtsp_url"
    created = await client.post("/api/v1/cameras", headers=headers, json={
        "name": "Pull", "ingest_mode": "rtsp_pull",
        "rtsp_url": "rtsp://admin:s3cret-pw@203.0.114.5:554/Streaming/Channels/101"})
    assert created.status_code == 201
    body = created.json()
    assert body["ingest"] is None
    assert body["camera"]["rtsp_url"] == "rtsp://admin:***@203.0.114.5:554/Streaming/Channels/101"
    listed = await client.get("/api/v1/cameras", headers=headers)
    audit = await client.get("/api/v1/audit-logs", headers=headers)
    for text in (created.text, listed.text, audit.text):
        assert "s3cret-pw" not in text
    bad = await client.post("/api/v1/cameras", headers=headers, json={
        "name": "Pull", "ingest_mode": "rtsp_pull", "rtsp_url": "http://x/y"})
    assert bad.status_code == 422 and bad.json()["field"] == "rtsp_url"


async def test_filters_and_cursor_pages(admin_session):
    client, tenant, admin = admin_session
    headers = bearer(tenant, admin)
    for i in range(7):
        await client.post("/api/v1/cameras", headers=headers, json={
            "name": f"Cam {i}", "vendor": "axis" if i % 2 else "dahua",
            "tags": ["lobby"] if i < 3 else ["yard"], "serial_number": f"SN-{i:03d}"})
    axis = (await client.get("/api/v1/cameras", headers=headers,
                             params={"vendor": "axis"})).json()["items"]
    assert {c["name"] for c in axis} == {"Cam 1", "Cam 3", "Cam 5"}
    lobby = (await client.get("/api/v1/cameras", headers=headers,
                              params={"tag": "lobby"})).json()["items"]
    assert {c["name"] for c in lobby} == {"Cam 0", "Cam 1", "Cam 2"}
    found = (await client.get("/api/v1/cameras", headers=headers,
                              params={"q": "SN-004"})).json()["items"]
    assert [c["name"] for c in found] == ["Cam 4"]
    offline = (await client.get("/api/v1/cameras", headers=headers,
                                params={"status": "offline", "limit": 3})).json()
    seen, cursor = [c["name"] for c in offline["items"]], offline["next_cursor"]
    while cursor:
        page = (await client.get("/api/v1/cameras", headers=headers,
                                 params={"status": "offline", "limit": 3,
                                         "cursor": cursor})).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [f"Cam {i}" for i in reversed(range(7))]  # newest first, each once
    bad = await client.get("/api/v1/cameras", headers=headers, params={"cursor": "zzz"})
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


async def test_put_replaces_and_patch_changes_only_what_is_given(admin_session):
    client, tenant, admin = admin_session
    headers = bearer(tenant, admin)
    camera = (await client.post("/api/v1/cameras", headers=headers, json={
        "name": "Dock", "vendor": "dahua", "location": "Dock 3", "record": True})
    ).json()["camera"]
    patched = await client.patch(f"/api/v1/cameras/{camera['id']}", headers=headers,
                                 json={"enabled": False})
    assert patched.json()["enabled"] is False and patched.json()["location"] == "Dock 3"
    replaced = await client.put(f"/api/v1/cameras/{camera['id']}", headers=headers,
                                json={"name": "Dock (new)"})
    body = replaced.json()
    assert body["name"] == "Dock (new)" and body["location"] is None
    assert body["vendor"] == "other" and body["record"] is False and body["enabled"] is True
    for payload, field in (({"vendor": "sony"}, "vendor"), ({"name": "x" * 201}, "name"),
                           ({"tags": ["x" * 41]}, "tags"), ({"record": "yes"}, "record"),
                           ({"colour": "red"}, "colour")):
        response = await client.patch(f"/api/v1/cameras/{camera['id']}", headers=headers,
                                      json=payload)
        assert response.status_code == 422 and response.json()["field"] == field, payload


async def test_bulk_creates_500_in_one_call(admin_session, provider_key):
    client, tenant, admin = admin_session
    moved = await client.patch(f"/provider/v1/tenants/{tenant.slug}", json={
        "plan": "enterprise"}, headers={"Host": "provider.localhost",
                                        "Authorization": f"Bearer {provider_key}"})
    assert moved.json()["plan"] == "enterprise", moved.text  # no camera limit
    items = [{"op": "create", "camera": {"name": f"Bulk {i}"}} for i in range(500)]
    response = await client.post("/api/v1/cameras/bulk", headers=bearer(tenant, admin),
                                 json={"items": items})
    assert response.status_code == 200
    body = response.json()
    assert body["succeeded"] == 500 and body["failed"] == 0
    keys = {r["ingest"]["stream_key"] for r in body["results"]}
    assert len(keys) == 500
    too_many = await client.post("/api/v1/cameras/bulk", headers=bearer(tenant, admin),
                                 json={"items": items + items[:1]})
    assert too_many.status_code == 422 and too_many.json()["field"] == "items"


async def test_bulk_reports_bad_items_and_does_the_rest(admin_session):
    client, tenant, admin = admin_session
    headers = bearer(tenant, admin)
    existing = (await client.post("/api/v1/cameras", headers=headers,
                                  json={"name": "Existing"})).json()["camera"]["id"]
    items = [
        {"op": "create", "camera": {"name": "Good 1"}},
        {"op": "create", "camera": {"name": "Bad", "vendor": "sony"}},
        {"op": "disable", "id": existing},
        {"op": "update", "id": "00000000-0000-0000-0000-000000000000",
         "camera": {"name": "Ghost"}},
        {"op": "create", "camera": {"name": ""}},
        {"op": "create", "camera": {"name": "Good 2"}},
    ]
    body = (await client.post("/api/v1/cameras/bulk", headers=headers,
                              json={"items": items})).json()
    assert body["succeeded"] == 3 and body["failed"] == 3
    failures = {r["index"]: r for r in body["results"] if not r["ok"]}
    assert set(failures) == {1, 3, 4}
    assert failures[1]["field"] == "items[1].camera.vendor" and failures[1]["status_code"] == 422
    assert failures[3]["status_code"] == 404
    assert failures[4]["field"] == "items[4].camera.name"
    names = {c["name"] for c in (await client.get("/api/v1/cameras", headers=headers,
                                                  params={"limit": 200})).json()["items"]}
    assert {"Good 1", "Good 2"} <= names and "Bad" not in names
    assert (await client.get(f"/api/v1/cameras/{existing}", headers=headers)
            ).json()["enabled"] is False


async def test_cameras_of_another_tenant_are_404(client_for, tenant_a, tenant_b):
    client = client_for()
    admin_a = (await login(client, tenant_a))["access_token"]
    admin_b = (await login(client, tenant_b))["access_token"]
    b_camera = (await client.post("/api/v1/cameras", headers=bearer(tenant_b, admin_b),
                                  json={"name": "B secret cam"})).json()["camera"]["id"]
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/status"),
                           ("POST", "/stream-key")):
        response = await client.request(method, f"/api/v1/cameras/{b_camera}{suffix}",
                                        headers=bearer(tenant_a, admin_a),
                                        json={"name": "x"} if method == "PATCH" else None)
        assert response.status_code == 404, (method, suffix)
        assert "B secret cam" not in response.text
    listed = await client.get("/api/v1/cameras", headers=bearer(tenant_a, admin_a))
    assert "B secret cam" not in listed.text


async def test_pull_cameras_cannot_point_at_private_addresses(control, tenant_a):
    """SaaS default: loopback, link-local (cloud metadata), private and shared ranges are
    refused at create and at update, naming the field; a public address is taken."""
    strict = dataclasses.replace(control, ingest=dataclasses.replace(
        control.ingest, rtsp_allow_private=False))
    app = create_app(strict)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.9.0.1", 1)),
                                   base_url="http://t.local")
        headers = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        for url in ("rtsp://127.0.0.1:554/s", "rtsp://169.254.169.254/latest",
                    "rtsp://localhost:8554/cam", "rtsp://10.0.0.5/s", "rtsp://[::1]/s",
                    "rtsp://100.64.1.1/s"):
            refused = await client.post("/api/v1/cameras", headers=headers, json={
                "name": "Probe", "ingest_mode": "rtsp_pull", "rtsp_url": url})
            assert refused.status_code == 422, (url, refused.text)
            assert refused.json()["field"] == "rtsp_url"
        ok = await client.post("/api/v1/cameras", headers=headers, json={
            "name": "Public", "ingest_mode": "rtsp_pull", "rtsp_url": "rtsp://203.0.114.7/s"})
        assert ok.status_code == 201, ok.text
        camera_id = ok.json()["camera"]["id"]
        moved = await client.patch(f"/api/v1/cameras/{camera_id}", headers=headers,
                                   json={"rtsp_url": "rtsp://192.168.0.10/s"})
        assert moved.status_code == 422 and moved.json()["field"] == "rtsp_url"
        listed = (await client.get("/api/v1/cameras", headers=headers)).json()
        assert not any("Probe" == c["name"] for c in listed["items"])
    finally:
        await services_of_app(app).close()
