"""Viewers export clips only where the tenant grants ``clips:export`` to them; withdrawing the
grant stops their sessions and their API tokens at once; nothing else can be granted."""

from __future__ import annotations

from tests.integration.conftest import bearer, login

WINDOW = {"from": "2026-11-21T09:00:00Z", "to": "2026-11-21T09:00:10Z"}
GRANT = {"grants": {"viewer": ["clips:export"]}}


async def test_a_tenant_lets_its_viewers_export_clips_and_takes_it_back(client_for, tenant_a,
                                                                       tenant_b, camera):
    _, camera_id = camera
    client = client_for()
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    viewer = bearer(tenant_a, (await login(client, tenant_a, "viewer"))["access_token"])
    clips = f"/api/v1/cameras/{camera_id}/clips"

    refused = await client.post(clips, headers=viewer, json=WINDOW)
    assert refused.status_code == 403 and "clips:export" in refused.json()["detail"]
    page = await client.get(f"/cameras/{camera_id}/recordings", headers=viewer)
    assert page.status_code == 200 and "Export a clip" not in page.text
    assert (await client.get("/api/v1/settings/role-grants", headers=admin)).json() == \
        {"grants": {}}

    granted = await client.put("/api/v1/settings/role-grants", headers=admin, json=GRANT)
    assert granted.status_code == 200 and granted.json() == GRANT
    assert (await client.get("/api/v1/settings/role-grants", headers=admin)).json() == GRANT
    # Past the guard: the same session now reaches the export itself (nothing is recorded).
    reached = await client.post(clips, headers=viewer, json=WINDOW)
    assert reached.status_code == 409 and reached.json()["code"] == "not_recorded"
    page = await client.get(f"/cameras/{camera_id}/recordings", headers=viewer)
    assert "Export a clip" in page.text
    made = await client.post("/api/v1/api-tokens", headers=viewer,
                             json={"name": "export", "scopes": ["clips:export"]})
    assert made.status_code == 201, made.text
    token = bearer(tenant_a, made.json()["secret"])
    assert (await client.post(clips, headers=token, json=WINDOW)).status_code == 409
    # Another tenant's viewers are untouched by tenant A's grant.
    other = bearer(tenant_b, (await login(client, tenant_b, "viewer"))["access_token"])
    assert (await client.post(clips, headers=other, json=WINDOW)).status_code == 403

    withdrawn = await client.put("/api/v1/settings/role-grants", headers=admin,
                                 json={"grants": {}})
    assert withdrawn.status_code == 200
    for caller in (viewer, token):
        again = await client.post(clips, headers=caller, json=WINDOW)
        assert again.status_code == 403 and "clips:export" in again.json()["detail"]
    # Operators export by the matrix, grant or not.
    operator = bearer(tenant_a, (await login(client, tenant_a, "operator"))["access_token"])
    assert (await client.post(clips, headers=operator, json=WINDOW)).status_code == 409

    audit = (await client.get("/api/v1/audit-logs", headers=admin,
                              params={"action": "settings.role_grants"})).json()
    details = [e["detail"] for e in audit["items"]]
    assert {"grants": {}} in details and GRANT in details


async def test_only_grantable_permissions_to_their_roles(client_for, tenant_a):
    client = client_for()
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    put = "/api/v1/settings/role-grants"
    for body, field in (({"grants": {"viewer": ["users:write"]}}, "grants.viewer"),
                        ({"grants": {"api_only": ["clips:export"]}}, "grants.api_only"),
                        ({"grants": {"viewer": ["no-such-permission"]}}, "grants.viewer")):
        response = await client.put(put, headers=admin, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    unknown = await client.put(put, headers=admin, json={"grants": {}, "extra": 1})
    assert 400 <= unknown.status_code < 500
    assert (await client.get(put, headers=admin)).json() == {"grants": {}}
    operator = bearer(tenant_a, (await login(client, tenant_a, "operator"))["access_token"])
    assert (await client.put(put, headers=operator, json=GRANT)).status_code == 403
