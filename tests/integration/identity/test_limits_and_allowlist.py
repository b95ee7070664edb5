"""Brute-force lockout, API rate limits, the tenant IP allowlist and trusted proxies."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from argus.platform.app import create_app, services_of_app
from tests.integration.conftest import (
    PASSWORD,
    bearer,
    fresh_ip,
    login,
    start_background,
    stop_background,
)


async def _login(client, tenant, email, password):
    return await client.post("/api/v1/auth/login", headers={"Host": tenant.host},
                             json={"email": email, "password": password})


async def test_bad_passwords_lock_out_then_the_lockout_ends(client_for, tenant_a):
    client = client_for(fresh_ip())
    email = tenant_a.emails["operator"]
    statuses = []
    for _ in range(20):
        response = await _login(client, tenant_a, email, "wrong-password-1")
        statuses.append(response.status_code)
    assert set(statuses) <= {401, 429} and 429 in statuses
    assert statuses[0] == 401
    locked = await _login(client, tenant_a, email, PASSWORD)
    assert locked.status_code == 429  # the right password is refused during the lockout
    retry_after = int(locked.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    await asyncio.sleep(retry_after + 0.2)
    assert (await _login(client, tenant_a, email, PASSWORD)).status_code == 200


async def test_parallel_wrong_passwords_get_at_most_the_threshold_of_401s(client_for,
                                                                           tenant_a):
    """The attempt is counted before the password is checked, so a burst of 50 parallel
    guesses (each one verified in a thread) gets at most 5 answers of 401; the rest 429."""
    client = client_for(fresh_ip())
    email = tenant_a.emails["operator"]
    answers = await asyncio.gather(*(_login(client, tenant_a, email, f"wrong-password-{i}")
                                     for i in range(50)))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses.count(401) <= 5, statuses


async def test_many_accounts_from_one_ip_lock_that_ip(client_for, tenant_a):
    client = client_for(fresh_ip())
    statuses = [(await _login(client, tenant_a, f"nobody{i}@x.example", "wrong-password-1")
                 ).status_code for i in range(20)]
    assert statuses[:19] == [401] * 19 and statuses[19] == 429
    # The same IP cannot try a real account now; another IP can.
    assert (await _login(client, tenant_a, tenant_a.emails["viewer"], PASSWORD)
            ).status_code == 429
    other = client_for(fresh_ip())
    assert (await _login(other, tenant_a, tenant_a.emails["viewer"], PASSWORD)
            ).status_code == 200


@pytest.mark.parametrize("mirrored", [False, True])
async def test_api_rate_limit_answers_429_with_headers(control, tenant_a, mirrored):
    limited = dataclasses.replace(control, auth=dataclasses.replace(control.auth,
                                                                    api_rate_limit=5))
    app = create_app(limited)
    tasks = await start_background(app) if mirrored else []
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.20.0.4", 1)),
                                   base_url="http://testserver.local")
        token = (await login(client, tenant_a))["access_token"]
        first = await client.get("/api/v1/me", headers=bearer(tenant_a, token))
        assert first.headers["RateLimit-Policy"] == "5;w=60"
        assert first.headers["RateLimit"].startswith("limit=5, remaining=")
        blocked = None
        for _ in range(12):  # 5 per window: a 429 comes within 6 calls (or 11 at a rollover)
            response = await client.get("/api/v1/me", headers=bearer(tenant_a, token))
            if response.status_code == 429:
                blocked = response
                break
            assert response.status_code == 200
        assert blocked is not None
        assert int(blocked.headers["Retry-After"]) >= 1
        assert blocked.json()["code"] == "rate_limited"
        assert "remaining=0" in blocked.headers["RateLimit"]
    finally:
        await stop_background(tasks)
        await services_of_app(app).close()


async def test_ip_allowlist_blocks_others_and_trusts_forwarded_for_only_from_proxies(
        control, services, tenant_a):
    proxied = dataclasses.replace(control, auth=dataclasses.replace(
        control.auth, trusted_proxies=("10.99.0.0/16",)))
    app = create_app(proxied)

    def client(ip: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 1)),
                                 base_url="http://testserver.local")

    try:
        office = client("10.30.0.5")
        token = (await login(office, tenant_a))["access_token"]
        headers = bearer(tenant_a, token)
        lockout = await office.put("/api/v1/settings/ip-allowlist", headers=headers,
                                   json={"ip_allowlist": ["192.0.2.0/24"]})
        assert lockout.status_code == 422 and lockout.json()["field"] == "ip_allowlist"
        ok = await office.put("/api/v1/settings/ip-allowlist", headers=headers,
                              json={"ip_allowlist": ["10.30.0.0/16"]})
        assert ok.status_code == 200 and ok.json() == {"ip_allowlist": ["10.30.0.0/16"]}

        assert (await office.get("/api/v1/me", headers=headers)).status_code == 200
        outsider = await client("203.0.113.9").get("/api/v1/me", headers=headers)
        assert outsider.status_code == 403 and outsider.json()["code"] == "ip_not_allowed"
        # Even sign-in is refused from outside the list.
        refused = await client("203.0.113.9").post(
            "/api/v1/auth/login", headers={"Host": tenant_a.host},
            json={"email": tenant_a.emails["admin"], "password": PASSWORD})
        assert refused.status_code == 403

        via_proxy = await client("10.99.1.1").get(
            "/api/v1/me", headers={**headers, "X-Forwarded-For": "10.30.7.7"})
        assert via_proxy.status_code == 200
        spoofed = await client("203.0.113.9").get(
            "/api/v1/me", headers={**headers, "X-Forwarded-For": "10.30.7.7"})
        assert spoofed.status_code == 403
        chained = await client("10.99.1.1").get(
            "/api/v1/me", headers={**headers, "X-Forwarded-For": "10.30.7.7, 203.0.113.9"})
        assert chained.status_code == 403  # the rightmost untrusted hop is the client
        # HAProxy's ``option forwardfor`` appends a header line of its own: the client's
        # line (first) must not win over the proxy's (last).
        two_lines = [*headers.items(), ("X-Forwarded-For", "10.30.7.7"),
                     ("X-Forwarded-For", "203.0.113.9")]
        appended = await client("10.99.1.1").get("/api/v1/me", headers=two_lines)
        assert appended.status_code == 403
        honest = [*headers.items(), ("X-Forwarded-For", "203.0.113.9"),
                  ("X-Forwarded-For", "10.30.7.7")]
        assert (await client("10.99.1.1").get("/api/v1/me", headers=honest)).status_code == 200

        cleared = await office.put("/api/v1/settings/ip-allowlist", headers=headers,
                                   json={"ip_allowlist": []})
        assert cleared.status_code == 200
        assert (await client("203.0.113.9").get("/api/v1/me", headers=headers)
                ).status_code == 200
    finally:
        await services_of_app(app).close()


async def test_a_tenant_can_have_its_own_rate_limit(identity_app, client_for, tenant_a, tenant_b):
    await services_of_app(identity_app).tenant_service.update(tenant_a.slug, api_rate_limit=3)
    client = client_for(fresh_ip())
    tokens = {t.slug: (await login(client, t))["access_token"] for t in (tenant_a, tenant_b)}

    async def statuses(tenant) -> list[int]:
        return [(await client.get("/api/v1/me", headers=bearer(tenant, tokens[tenant.slug]))
                 ).status_code for _ in range(8)]

    limited = await statuses(tenant_a)
    assert 429 in limited and limited.count(200) <= 6  # 3 per window (6 across a rollover)
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, tokens[tenant_a.slug]))
            ).headers["RateLimit-Policy"] == "3;w=60"
    assert set(await statuses(tenant_b)) == {200}
    # 0 puts the tenant back on the deployment's default.
    await services_of_app(identity_app).tenant_service.update(tenant_a.slug, api_rate_limit=0)
    tenants = services_of_app(identity_app).tenant_service
    assert (await tenants.get(tenant_a.slug)).api_rate_limit is None


async def test_provider_sets_and_validates_the_rate_limit(client, provider_key):
    from tests.conftest import new_slug

    slug = new_slug()
    headers = {"Host": "provider.localhost", "Authorization": f"Bearer {provider_key}"}
    created = await client.put(f"/provider/v1/tenants/{slug}", headers=headers,
                               json={"name": "Limited", "api_rate_limit": 600})
    assert created.status_code == 201 and created.json()["api_rate_limit"] == 600
    bad = await client.patch(f"/provider/v1/tenants/{slug}", headers=headers,
                             json={"api_rate_limit": -1})
    assert bad.status_code == 422 and bad.json()["field"] == "api_rate_limit"
    reset = await client.patch(f"/provider/v1/tenants/{slug}", headers=headers,
                               json={"api_rate_limit": 0})
    assert reset.json()["api_rate_limit"] is None


async def test_forwarded_proto_from_a_trusted_proxy_makes_cookies_secure(control, tenant_a):
    proxied = dataclasses.replace(control, auth=dataclasses.replace(
        control.auth, trusted_proxies=("10.99.0.0/16",)))
    app = create_app(proxied)

    async def cookie_login(ip: str, proto: str | None) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 1)),
                                     base_url="http://testserver.local") as c:
            headers = {"Host": tenant_a.host}
            if proto:
                headers["X-Forwarded-Proto"] = proto
            response = await c.post("/api/v1/auth/login", headers=headers, json={
                "email": tenant_a.emails["admin"], "password": PASSWORD, "cookie": True})
            assert response.status_code == 200, response.text
            return response

    try:
        behind_tls = await cookie_login("10.99.1.1", "https")
        cookies = behind_tls.headers.get_list("set-cookie")
        assert cookies and all("Secure" in c for c in cookies), cookies
        forged = await cookie_login("10.31.0.9", "https")  # not a proxy: the header is ignored
        assert not any("Secure" in c for c in forged.headers.get_list("set-cookie"))
        plain = await cookie_login("10.99.1.1", "http")
        assert not any("Secure" in c for c in plain.headers.get_list("set-cookie"))
    finally:
        await services_of_app(app).close()
