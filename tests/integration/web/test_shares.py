"""Share links: created by operators, token shown once and stored hashed, expiring and
revocable, live-only links never reach recordings, one tenant's links dead on another's host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from argus.platform.sharing.models import Share
from tests.integration.conftest import bearer, login


async def test_share_lifecycle_and_live_only(client_for, tenant_a, tenant_b, services):
    client = client_for()
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    camera_id = (await client.post("/api/v1/cameras", headers=admin,
                                   json={"name": "Gate"})).json()["camera"]["id"]
    host = {"Host": tenant_a.host}

    created = await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=admin,
                                json={"live_only": True})
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["token"]
    assert body["url"] == f"http://{tenant_a.host}/v/{token}"
    assert f'src="http://{tenant_a.host}/embed/{token}"' in body["embed_html"]
    assert body["share"]["active"] and body["share"]["live_only"]

    page = await client.get(f"/v/{token}", headers=host)
    assert page.status_code == 200 and "Gate" in page.text
    assert "data-share-timeline" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    embed = await client.get(f"/embed/{token}", headers=host)
    assert embed.status_code == 200 and "x-frame-options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    # The camera is offline: the live URL says so; recordings are refused for live-only links.
    live = await client.get(f"/api/v1/shares/{token}/live", headers=host)
    assert live.status_code == 409 and live.json()["code"] == "not_live"
    for path in (f"/api/v1/shares/{token}/timeline",
                 f"/api/v1/shares/{token}/playback?at=2026-01-01T00:00:00Z"):
        refused = await client.get(path, headers=host)
        assert refused.status_code == 403 and refused.json()["code"] == "live_only"
    # Another tenant's host does not know the token.
    elsewhere = await client.get(f"/v/{token}", headers={"Host": tenant_b.host})
    assert elsewhere.status_code == 404 and "not valid" in elsewhere.text

    full = (await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=admin, json={
        "live_only": False})).json()
    timeline = await client.get(f"/api/v1/shares/{full['token']}/timeline", headers=host)
    assert timeline.status_code == 200 and timeline.json()["spans"] == []
    bad_day = await client.get(f"/api/v1/shares/{full['token']}/timeline?day=yesterday",
                               headers=host)
    assert bad_day.status_code == 422 and bad_day.json()["field"] == "day"
    page = await client.get(f"/v/{full['token']}", headers=host)
    assert "data-share-timeline" in page.text

    # Expiry and revocation: a branded page, 410, and the API agrees.
    maker = services.dbs.for_tenant(tenant_a)
    async with maker() as session:
        await session.execute(update(Share).where(Share.id == body["share"]["id"]).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await session.commit()
    expired = await client.get(f"/v/{token}", headers=host)
    assert expired.status_code == 410 and "This link has expired" in expired.text
    assert (await client.get(f"/api/v1/shares/{token}/live", headers=host)).status_code == 410
    assert (await client.delete(f"/api/v1/shares/{full['share']['id']}",
                                headers=admin)).status_code == 204
    assert (await client.get(f"/v/{full['token']}", headers=host)).status_code == 410
    listed = (await client.get(f"/api/v1/cameras/{camera_id}/shares", headers=admin)).json()
    assert [s["active"] for s in listed["items"]] == [False, False]
    assert "token" not in listed["items"][0]

    for bad in ({"expires_at": "2020-01-01T00:00:00Z"}, {"expires_at": "2999-01-01T00:00:00Z"}):
        refused = await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=admin,
                                    json=bad)
        assert refused.status_code == 422 and refused.json()["field"] == "expires_at"
    b_admin = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    assert (await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=b_admin,
                              json={})).status_code == 404
    assert (await client.delete(f"/api/v1/shares/{body['share']['id']}",
                                headers=b_admin)).status_code == 404
    viewer = bearer(tenant_a, (await login(client, tenant_a, "viewer"))["access_token"])
    assert (await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=viewer,
                              json={})).status_code == 403
