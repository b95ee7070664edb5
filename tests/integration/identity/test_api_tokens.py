"""API tokens: shown once, scoped, capped by role, revocable, expiring, IP-bound."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from argus.platform.identity.models import ApiToken
from tests.integration.conftest import bearer, login, make_api_token


async def test_secret_is_shown_once_and_stored_hashed(admin_session, services):
    client, tenant, admin = admin_session
    created = await make_api_token(client, tenant, admin, ["cameras:read"])
    secret = created["secret"]
    assert secret.startswith(f"argus_{created['prefix']}_")
    listed = await client.get("/api/v1/api-tokens", headers=bearer(tenant, admin))
    entry = next(t for t in listed.json() if t["id"] == created["id"])
    assert "secret" not in entry and entry["scopes"] == ["cameras:read"]
    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        row = await session.scalar(select(ApiToken).where(ApiToken.id == created["id"]))
    assert secret not in (row.secret_hash, row.prefix)


async def test_scopes_are_enforced_and_last_used_updates(admin_session):
    client, tenant, admin = admin_session
    created = await make_api_token(client, tenant, admin, ["users:read"])
    headers = bearer(tenant, created["secret"])
    assert created["last_used_at"] is None
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/users", headers=headers,
                              json={"email": "n@x.example", "name": "N", "role": "viewer"})
            ).status_code == 403
    assert (await client.get("/api/v1/audit-logs", headers=headers)).status_code == 403
    # Tokens cannot do what needs a signed-in person.
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 403
    listed = await client.get("/api/v1/api-tokens", headers=bearer(tenant, admin))
    entry = next(t for t in listed.json() if t["id"] == created["id"])
    assert entry["last_used_at"] is not None


async def test_revoked_and_expired_tokens_are_401(admin_session):
    client, tenant, admin = admin_session
    revoked = await make_api_token(client, tenant, admin, ["users:read"])
    response = await client.delete(f"/api/v1/api-tokens/{revoked['id']}",
                                   headers=bearer(tenant, admin))
    assert response.status_code == 204
    assert (await client.get("/api/v1/users", headers=bearer(tenant, revoked["secret"]))
            ).status_code == 401

    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    expiring = await make_api_token(client, tenant, admin, ["users:read"], expires_at=soon)
    assert (await client.get("/api/v1/users", headers=bearer(tenant, expiring["secret"]))
            ).status_code == 200
    await asyncio.sleep(1.2)
    assert (await client.get("/api/v1/users", headers=bearer(tenant, expiring["secret"]))
            ).status_code == 401

    past = await client.post("/api/v1/api-tokens", headers=bearer(tenant, admin),
                             json={"name": "x", "scopes": ["users:read"],
                                   "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422 and past.json()["field"] == "expires_at"
    forged = "argus_" + revoked["prefix"] + "_" + "A" * 43
    assert (await client.get("/api/v1/users", headers=bearer(tenant, forged))).status_code == 401


async def test_a_token_never_exceeds_its_creators_role(client_for, tenant_a):
    client = client_for()
    operator = (await login(client, tenant_a, "operator"))["access_token"]
    too_much = await client.post("/api/v1/api-tokens", headers=bearer(tenant_a, operator),
                                 json={"name": "x", "scopes": ["users:read"]})
    assert too_much.status_code == 403 and too_much.json()["field"] == "scopes"
    fine = await make_api_token(client, tenant_a, operator, ["cameras:read", "cameras:write"])
    assert fine["user_id"] != ""
    # An operator cannot mint tokens for someone else either.
    admin = (await login(client, tenant_a))["access_token"]
    users = (await client.get("/api/v1/users", headers=bearer(tenant_a, admin))).json()["items"]
    api_only_id = next(u["id"] for u in users if u["role"] == "api_only")
    other = await client.post("/api/v1/api-tokens", headers=bearer(tenant_a, operator),
                              json={"name": "x", "scopes": ["cameras:read"],
                                    "user_id": api_only_id})
    assert other.status_code == 403
    # An admin can, within the api_only role's permissions.
    for_bot = await make_api_token(client, tenant_a, admin, ["cameras:read"],
                                   user_id=api_only_id)
    assert for_bot["user_id"] == api_only_id
    beyond_bot = await client.post("/api/v1/api-tokens", headers=bearer(tenant_a, admin),
                                   json={"name": "x", "scopes": ["users:read"],
                                         "user_id": api_only_id})
    assert beyond_bot.status_code == 403


async def test_demoting_the_owner_shrinks_the_token(admin_session):
    client, tenant, admin = admin_session
    users = (await client.get("/api/v1/users", headers=bearer(tenant, admin))).json()["items"]
    operator_id = next(u["id"] for u in users if u["role"] == "operator")
    operator = (await login(client, tenant, "operator"))["access_token"]
    token = await make_api_token(client, tenant, operator, ["cameras:write", "cameras:read"])
    patched = await client.patch(f"/api/v1/users/{operator_id}", headers=bearer(tenant, admin),
                                 json={"role": "viewer"})
    assert patched.status_code == 200
    # Still valid, but now only what a viewer may do; disabled owner: dead.
    assert (await client.get("/api/v1/api-tokens", headers=bearer(tenant, token["secret"]))
            ).status_code == 403
    await client.patch(f"/api/v1/users/{operator_id}", headers=bearer(tenant, admin),
                       json={"state": "disabled"})
    assert (await client.get("/api/v1/users", headers=bearer(tenant, token["secret"]))
            ).status_code == 401


async def test_token_ip_allowlist(client_for, tenant_a):
    office = client_for("10.40.0.1")
    admin = (await login(office, tenant_a))["access_token"]
    token = await make_api_token(office, tenant_a, admin, ["users:read"],
                                 ip_allowlist=["10.40.0.0/16"])
    assert (await office.get("/api/v1/users", headers=bearer(tenant_a, token["secret"]))
            ).status_code == 200
    away = client_for("198.51.100.7")
    response = await away.get("/api/v1/users", headers=bearer(tenant_a, token["secret"]))
    assert response.status_code == 403


async def test_tokens_and_keys_stay_on_their_side(client_for, tenant_a, provider_key):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    token = await make_api_token(client, tenant_a, admin, ["users:read"])
    for credential in (admin, token["secret"]):
        response = await client.get("/provider/v1/tenants",
                                    headers={"Host": "provider.localhost",
                                             "Authorization": f"Bearer {credential}"})
        assert response.status_code == 401
    response = await client.get("/api/v1/users", headers=bearer(tenant_a, provider_key))
    assert response.status_code == 401


async def test_a_restricted_token_cannot_mint_a_less_restricted_one(client_for, tenant_a):
    office = client_for("10.41.0.1")
    admin = (await login(office, tenant_a))["access_token"]
    expiry = datetime.now(UTC) + timedelta(days=1)
    parent = await make_api_token(office, tenant_a, admin, ["tokens:own", "cameras:read"],
                                  expires_at=expiry.isoformat(), ip_allowlist=["10.41.0.0/16"])
    headers = bearer(tenant_a, parent["secret"])

    async def child(**body) -> object:
        return await office.post("/api/v1/api-tokens", headers=headers,
                                 json={"name": "child", "scopes": ["cameras:read"], **body})

    later = await child(expires_at=(expiry + timedelta(days=30)).isoformat())
    assert later.status_code == 403 and later.json()["field"] == "expires_at", later.text
    wider = await child(ip_allowlist=["0.0.0.0/0"])
    assert wider.status_code == 403 and wider.json()["field"] == "ip_allowlist", wider.text
    more = await child(scopes=["cameras:read", "cameras:write"])
    assert more.status_code == 403 and more.json()["field"] == "scopes"

    inherited = await child()
    assert inherited.status_code == 201, inherited.text
    body = inherited.json()
    assert body["ip_allowlist"] == ["10.41.0.0/16"]
    assert datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) \
        <= expiry + timedelta(seconds=1)
    narrower = await child(ip_allowlist=["10.41.3.0/24"],
                           expires_at=(expiry - timedelta(hours=1)).isoformat())
    assert narrower.status_code == 201, narrower.text
    away = client_for("198.51.100.8")
    assert (await away.get("/api/v1/cameras", headers=bearer(
        tenant_a, inherited.json()["secret"]))).status_code == 403
