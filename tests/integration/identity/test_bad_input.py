"""Malformed, mistyped and oversized bodies get a 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.conftest import bearer, fresh_ip


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"),
    (b"[]", "body"),
    (b'{"email": 5, "password": "x"}', "email"),
    (b'{"email": "a@b.example"}', "password"),
    (b'{"email": "' + b"a" * (1024 * 1024) + b'@x.example", "password": "x"}', "email"),
    (b'{"email": "a@b.example", "password": "x", "admin": true}', "admin"),
    (b'{"email": "not-an-email", "password": "x"}', "email"),
])
async def test_login_bad_bodies(client_for, tenant_a, body, field):
    response = await client_for(fresh_ip()).post(
        "/api/v1/auth/login", content=body,
        headers={"Host": tenant_a.host, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["field"] == field


async def test_oversized_body_is_413(client_for, tenant_a):
    response = await client_for(fresh_ip()).post(
        "/api/v1/auth/login", content=b"x" * (3 * 1024 * 1024),
        headers={"Host": tenant_a.host, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["field"] == "body"


@pytest.mark.parametrize(("path", "method", "body", "field"), [
    ("/api/v1/users", "POST", {"email": "x@y.example", "name": "X", "role": "god"}, "role"),
    ("/api/v1/users", "POST", {"email": "x@y.example", "name": "", "role": "viewer"}, "name"),
    ("/api/v1/users", "POST", {"email": ["x"], "name": "X", "role": "viewer"}, "email"),
    ("/api/v1/api-tokens", "POST", {"name": "x", "scopes": "cameras:read"}, "scopes"),
    ("/api/v1/api-tokens", "POST", {"name": "x", "scopes": ["cameras:read"],
                                    "expires_at": "tomorrow"}, "expires_at"),
    ("/api/v1/api-tokens", "POST", {"name": "x", "scopes": ["cameras:read"],
                                    "ip_allowlist": ["300.1.1.1/8"]}, "ip_allowlist"),
    ("/api/v1/settings/ip-allowlist", "PUT", {"ip_allowlist": ["nonsense"]}, "ip_allowlist"),
    ("/api/v1/users?limit=0", "GET", None, "limit"),
    ("/api/v1/users?cursor=%%%", "GET", None, "cursor"),
    ("/api/v1/audit-logs?since=yesterday", "GET", None, "since"),
    ("/api/v1/audit-logs?since=2026-01-01T00:00:00", "GET", None, "since"),
])
async def test_admin_routes_bad_input(admin_session, path, method, body, field):
    client, tenant, admin = admin_session
    response = await client.request(method, path, json=body, headers=bearer(tenant, admin))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["field"] == field, response.json()
