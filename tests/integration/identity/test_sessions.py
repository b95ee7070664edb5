"""Sign-in, JWT validation against forged tokens, refresh rotation, sign-out, tenant binding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from argus.platform.app import create_app, services_of_app
from argus.platform.identity.tokens import AccessTokens
from tests.helpers import wait_for
from tests.integration.conftest import (
    PASSWORD,
    bearer,
    fresh_ip,
    login,
    start_background,
    stop_background,
)

SIGNING = "test-signing-key-0123456789abcdef0123456789"
PREVIOUS = "test-previous-key-0123456789abcdef01234567"


def forge(tenant_id: str, user_id: str, *, key: str = SIGNING, alg: str = "HS256",
          headers: dict | None = None, **overrides) -> str:
    now = int(time.time())
    claims = {"iss": "argus", "aud": tenant_id, "sub": user_id, "jti": str(uuid.uuid4()),
              "iat": now, "nbf": now, "exp": now + 600, "role": "admin", "email": "x@y.z",
              "fam": str(uuid.uuid4()), "ims": now * 1000}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    head = {"typ": "at+jwt", "kid": AccessTokens.kid(key if alg == "HS256" else SIGNING)}
    head.update(headers or {})
    return jwt.encode(claims, key, algorithm=alg, headers=head)


def hs256_by_hand(header: dict, claims: dict, key: bytes) -> str:
    """The classic RS/HS confusion: an HMAC made with the public key as the secret."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


async def _user_id(client, tenant, token) -> str:
    return (await client.get("/api/v1/me", headers=bearer(tenant, token))).json()["id"]


async def test_login_returns_tokens_and_me_works(client_for, tenant_a):
    client = client_for()
    tokens = await login(client, tenant_a)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = await client.get("/api/v1/me", headers=bearer(tenant_a, tokens["access_token"]))
    assert me.status_code == 200 and me.json()["email"] == tenant_a.emails["admin"]
    assert me.json()["last_login_at"] is not None


async def test_wrong_password_and_unknown_account_look_the_same(client_for, tenant_a):
    client = client_for(fresh_ip())
    host = {"Host": tenant_a.host}
    wrong = await client.post("/api/v1/auth/login", headers=host,
                              json={"email": tenant_a.emails["admin"], "password": "nope-nope-1"})
    unknown = await client.post("/api/v1/auth/login", headers=host,
                                json={"email": "ghost@nowhere.example", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_api_only_users_cannot_sign_in(client_for, tenant_a):
    response = await client_for(fresh_ip()).post(
        "/api/v1/auth/login", headers={"Host": tenant_a.host},
        json={"email": tenant_a.emails["api_only"], "password": PASSWORD})
    assert response.status_code == 401


async def test_forged_and_broken_tokens_are_rejected(client_for, tenant_a, tenant_b):
    client = client_for()
    good = (await login(client, tenant_a))["access_token"]
    uid = await _user_id(client, tenant_a, good)
    now = int(time.time())
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    claims["sub"] = str(uuid.uuid4())
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    none_header = base64.urlsafe_b64encode(
        json.dumps({"alg": "none", "typ": "at+jwt"}).encode()).decode().rstrip("=")
    cases = {
        "expired": forge(tenant_a.id, uid, exp=now - 60, iat=now - 700, nbf=now - 700),
        "not yet valid": forge(tenant_a.id, uid, nbf=now + 600),
        "wrong audience": forge(tenant_b.id, uid),
        "wrong issuer": forge(tenant_a.id, uid, iss="someone-else"),
        "no expiry": forge(tenant_a.id, uid, exp=None),
        "alg none": f"{none_header}.{payload}.",
        "RS256 with a foreign key": forge(tenant_a.id, uid, key=private, alg="RS256"),
        "HS256 keyed with a public key": hs256_by_hand(
            {"alg": "HS256", "typ": "at+jwt", "kid": AccessTokens.kid(SIGNING)},
            {"iss": "argus", "aud": tenant_a.id, "sub": uid, "jti": "j", "iat": now,
             "nbf": now, "exp": now + 600, "role": "admin"}, public_pem),
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "unknown key": forge(tenant_a.id, uid, key="another-key-0123456789abcdef012345678"),
        "wrong typ": forge(tenant_a.id, uid, headers={"typ": "JWT"}),
        "garbage": "not.a.token",
    }
    for name, token in cases.items():
        response = await client.get("/api/v1/me", headers=bearer(tenant_a, token))
        assert response.status_code == 401, name
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, good))).status_code == 200


async def test_previous_key_still_verifies_during_rotation(client_for, tenant_a):
    client = client_for()
    good = (await login(client, tenant_a))["access_token"]
    uid = await _user_id(client, tenant_a, good)
    old = forge(tenant_a.id, uid, key=PREVIOUS)
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, old))).status_code == 200


async def test_token_of_tenant_a_is_rejected_on_tenant_b(client_for, tenant_a, tenant_b):
    client = client_for()
    token = (await login(client, tenant_a))["access_token"]
    response = await client.get("/api/v1/me", headers=bearer(tenant_b, token))
    assert response.status_code == 401
    refresh = (await login(client, tenant_a))["refresh_token"]
    moved = await client.post("/api/v1/auth/refresh", headers={"Host": tenant_b.host},
                              json={"refresh_token": refresh})
    assert moved.status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_family(client_for, tenant_a):
    client = client_for()
    first = await login(client, tenant_a)
    host = {"Host": tenant_a.host}
    second = await client.post("/api/v1/auth/refresh", headers=host,
                               json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, second["access_token"]))
            ).status_code == 200

    reused = await client.post("/api/v1/auth/refresh", headers=host,
                               json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # Reuse revoked the whole family: the newest refresh token and its access token too.
    newest = await client.post("/api/v1/auth/refresh", headers=host,
                               json={"refresh_token": second["refresh_token"]})
    assert newest.status_code == 401
    me = await client.get("/api/v1/me", headers=bearer(tenant_a, second["access_token"]))
    assert me.status_code == 401
    # Another session of the same user is not affected.
    other = await login(client, tenant_a)
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, other["access_token"]))
            ).status_code == 200


async def test_logout_kills_the_access_token_at_once(client_for, tenant_a):
    client = client_for()
    tokens = await login(client, tenant_a)
    headers = bearer(tenant_a, tokens["access_token"])
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    again = await client.post("/api/v1/auth/refresh", headers={"Host": tenant_a.host},
                              json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


@pytest.mark.parametrize("body", [
    {"refresh_token": "x"}, {"refresh_token": 5}, {"refresh_token": None}, {},
])
async def test_bad_refresh_requests_are_4xx(client_for, tenant_a, body):
    response = await client_for().post("/api/v1/auth/refresh", headers={"Host": tenant_a.host},
                                       json=body)
    assert 400 <= response.status_code < 500
    assert response.json().get("field") in ("refresh_token", "body")


async def test_browser_session_uses_cookies_and_csrf(client_for, tenant_a):
    client = client_for()
    response = await client.post("/api/v1/auth/login", headers={"Host": tenant_a.host},
                                 json={"email": tenant_a.emails["admin"],
                                       "password": PASSWORD, "cookie": True})
    assert response.status_code == 200
    set_cookies = response.headers.get_list("set-cookie")
    access = next(c for c in set_cookies if c.startswith("argus_access="))
    assert "HttpOnly" in access and "samesite=lax" in access.lower() and "Secure" not in access
    csrf = response.json()["csrf_token"]
    assert csrf and client.cookies.get("argus_csrf") == csrf

    host = {"Host": tenant_a.host}
    assert (await client.get("/api/v1/me", headers=host)).status_code == 200
    no_csrf = await client.post("/api/v1/auth/logout", headers=host)
    assert no_csrf.status_code == 403 and no_csrf.json()["code"] == "csrf_failed"
    wrong = await client.post("/api/v1/auth/logout", headers={**host, "X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    refreshed = await client.post("/api/v1/auth/refresh", headers=host, json={})
    assert refreshed.status_code == 200
    ok = await client.post("/api/v1/auth/logout",
                           headers={**host, "X-CSRF-Token": client.cookies.get("argus_csrf")})
    assert ok.status_code == 204


async def test_revocations_reach_other_processes(control, tenant_a):
    """Two serving processes with mirrors: a sign-out on one is refused on the other."""
    apps = [create_app(control), create_app(control)]
    tasks = [t for app in apps for t in await start_background(app)]
    try:
        one, two = (httpx.AsyncClient(transport=httpx.ASGITransport(app=a, client=("10.7.0.1", 1)),
                                      base_url="http://testserver.local") for a in apps)
        tokens = await login(one, tenant_a)
        headers = bearer(tenant_a, tokens["access_token"])
        assert (await two.get("/api/v1/me", headers=headers)).status_code == 200
        assert (await one.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert (await one.get("/api/v1/me", headers=headers)).status_code == 401  # at once

        async def refused_on_two() -> bool:
            return (await two.get("/api/v1/me", headers=headers)).status_code == 401

        await wait_for(refused_on_two, timeout=5)
    finally:
        await stop_background(tasks)
        for app in apps:
            await services_of_app(app).close()


async def test_a_mirror_started_later_resyncs_from_redis(control, tenant_a):
    """Revocations made before a process started are found by its first resync."""
    first = create_app(control)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=first, client=("10.7.0.2", 1)),
                               base_url="http://testserver.local")
    tokens = await login(client, tenant_a)
    headers = bearer(tenant_a, tokens["access_token"])
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    await services_of_app(first).close()

    late = create_app(control)
    tasks = await start_background(late)
    try:
        assert services_of_app(late).identity.fast
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=late, client=("10.7.0.3", 1)),
                                  base_url="http://testserver.local")
        assert (await other.get("/api/v1/me", headers=headers)).status_code == 401
    finally:
        await stop_background(tasks)
        await services_of_app(late).close()


async def test_form_posts_carry_the_csrf_token_in_a_field(client_for, tenant_a):
    client = client_for()
    response = await client.post("/api/v1/auth/login", headers={"Host": tenant_a.host},
                                 json={"email": tenant_a.emails["admin"],
                                       "password": PASSWORD, "cookie": True})
    csrf = response.json()["csrf_token"]
    form = {"Host": tenant_a.host, "Content-Type": "application/x-www-form-urlencoded"}
    wrong = await client.post("/api/v1/auth/logout", headers=form, content=b"csrf_token=nope")
    assert wrong.status_code == 403 and wrong.json()["code"] == "csrf_failed"
    missing = await client.post("/api/v1/auth/logout", headers=form, content=b"a=1")
    assert missing.status_code == 403
    ok = await client.post("/api/v1/auth/logout", headers=form,
                           content=f"a=1&csrf_token={csrf}".encode())
    assert ok.status_code == 204
    # Bearer-token callers need no CSRF token: a browser cannot forge their header.
    token = (await login(client, tenant_a))["access_token"]
    plain = await client.post("/api/v1/auth/logout",
                              headers={**bearer(tenant_a, token), "Cookie": ""})
    assert plain.status_code == 204
