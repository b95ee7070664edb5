"""Fixtures for identity tests: a tenant with one user per role, clients with chosen IPs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from argus.platform.app import close_state, create_app
from argus.platform.cli.commands import ensure_user
from argus.tenants.service import TenantSpec
from tests.conftest import new_slug

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "operator", "viewer", "api_only")


@dataclass
class TenantUsers:
    slug: str
    id: str
    host: str
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def identity_app(control):
    # Requests run in this test's event loop (httpx's ASGI transport), so the app's state is
    # opened and closed here too; Litestar's test client would run it on another loop.
    app = create_app(control)
    yield app
    await close_state(app.state)


@pytest.fixture
def client_for(identity_app):
    """``client_for(ip)``: an HTTP client whose requests come from ``ip``."""
    clients: list[httpx.AsyncClient] = []

    def make(ip: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=identity_app, client=(ip, 40000))
        c = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        clients.append(c)
        return c

    yield make
    # httpx clients over an ASGI transport hold no sockets; nothing to close.


async def make_tenant(state) -> TenantUsers:
    slug = new_slug()
    tenant, _ = await state["tenant_service"].put(slug, TenantSpec(name=f"Tenant {slug}"))
    users = TenantUsers(slug=slug, id=tenant.id, host=f"{slug}.localhost")
    for role in ROLES:
        email = f"{role.replace('_', '-')}@{slug}.example"
        await ensure_user(state, slug, email, role.title(), role, PASSWORD)
        users.emails[role] = email
    return users


@pytest.fixture
async def tenant_a(state) -> TenantUsers:
    return await make_tenant(state)


@pytest.fixture
async def tenant_b(state) -> TenantUsers:
    return await make_tenant(state)


async def login(client: httpx.AsyncClient, tenant: TenantUsers, role: str = "admin",
                password: str = PASSWORD) -> dict:
    response = await client.post("/api/v1/auth/login", headers={"Host": tenant.host},
                                 json={"email": tenant.emails[role], "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tenant: TenantUsers, token: str) -> dict[str, str]:
    return {"Host": tenant.host, "Authorization": f"Bearer {token}"}


async def make_api_token(client, tenant: TenantUsers, admin_token: str, scopes: list[str],
                         **extra) -> dict:
    response = await client.post("/api/v1/api-tokens", headers=bearer(tenant, admin_token),
                                 json={"name": "test", "scopes": scopes, **extra})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def admin_session(client_for, tenant_a) -> AsyncIterator[tuple]:
    client = client_for()
    tokens = await login(client, tenant_a)
    yield client, tenant_a, tokens["access_token"]
