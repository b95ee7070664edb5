"""Signed HLS URLs: only for live cameras, only for the tenant that owns them."""

from __future__ import annotations

from tests.integration.conftest import bearer, login


async def test_no_url_for_a_camera_that_is_not_live(client_for, tenant_a):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                json={"name": "Idle"})).json()["camera"]["id"]
    response = await client.get(f"/api/v1/streaming/hls/{camera}",
                                headers=bearer(tenant_a, admin))
    assert response.status_code == 409 and response.json()["code"] == "not_live"
    missing = await client.get("/api/v1/streaming/hls/00000000-0000-4000-8000-000000000000",
                               headers=bearer(tenant_a, admin))
    assert missing.status_code == 404


async def test_another_tenants_camera_gets_no_url(client_for, tenant_a, tenant_b):
    client = client_for()
    admin_a = (await login(client, tenant_a))["access_token"]
    admin_b = (await login(client, tenant_b))["access_token"]
    b_camera = (await client.post("/api/v1/cameras", headers=bearer(tenant_b, admin_b),
                                  json={"name": "B"})).json()["camera"]["id"]
    response = await client.get(f"/api/v1/streaming/hls/{b_camera}",
                                headers=bearer(tenant_a, admin_a))
    assert response.status_code == 404
