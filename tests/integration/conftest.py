"""Fixtures for tenant API tests: a tenant with one user per role, clients with chosen IPs."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from PIL import Image

from argus.platform.app import create_app, services_of_app
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
    db_cluster: str = "main"

    @property
    def schema(self) -> str:
        return f"argus_t_{self.slug}"


AUTH_MODES = ["redis-per-call", "mirrored"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Identity tests run in both of the auth middleware's modes; the rest in the serving one
    (``mirrored``), unless a test chooses."""
    if "identity_app" not in metafunc.fixturenames:
        return
    chosen = any("identity_app" in str(mark.args[0])
                 for mark in metafunc.definition.iter_markers("parametrize"))
    if not chosen:
        identity = "/integration/identity/" in str(metafunc.definition.path)
        metafunc.parametrize("identity_app", AUTH_MODES if identity else ["mirrored"],
                             indirect=True)


@pytest.fixture
async def identity_app(control, request):
    """The app, in one of the auth middleware's modes (``request.param``).

    ``redis-per-call``: no background tasks, every call asks Redis (a process starting up, or
    one that lost Redis). ``mirrored``: the revocation mirror and the batched rate counter run,
    as in a serving process. Requests run in this test's event loop (httpx's ASGI transport),
    so the app's services are opened and closed here; Litestar's test client uses another loop.
    """
    app = create_app(control)
    tasks = await start_background(app) if request.param == "mirrored" else []
    yield app
    await stop_background(tasks)
    await services_of_app(app).close()


async def start_background(app) -> list[asyncio.Task]:
    """Start what a serving process runs for the auth fast path; wait until it is in use."""
    identity = services_of_app(app).identity
    tasks = [asyncio.create_task(job) for job in identity.background()]
    deadline = time.monotonic() + 10
    while not identity.fast:
        assert time.monotonic() < deadline, "auth background tasks did not start"
        await asyncio.sleep(0.01)
    return tasks


async def stop_background(tasks: list[asyncio.Task]) -> None:
    """Cancel the background tasks the way a serving process does at shutdown (bounded)."""
    from argus.platform.app import stop_tasks

    await stop_tasks(tasks)


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


def fresh_ip(first: int = 10) -> str:
    """An address no earlier test (or run) used: sign-in lockouts are counted per address."""
    import random

    return f"{first}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def make_tenant(services) -> TenantUsers:
    slug = new_slug()
    tenant, _ = await services.tenant_service.put(slug, TenantSpec(name=f"Tenant {slug}"))
    users = TenantUsers(slug=slug, id=tenant.id, host=f"{slug}.localhost")
    for role in ROLES:
        email = f"{role.replace('_', '-')}@{slug}.example"
        await ensure_user(services, slug, email, role.title(), role, PASSWORD)
        users.emails[role] = email
    return users


@pytest.fixture
async def tenant_a(services) -> TenantUsers:
    return await make_tenant(services)


@pytest.fixture
async def tenant_b(services) -> TenantUsers:
    return await make_tenant(services)


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


def png_bytes(size: tuple[int, int] = (8, 8), color: str = "#cc3300") -> bytes:
    """A real, small PNG (a logo upload)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def node(services):
    """A registered ingest node: ``(node id, node secret)`` for ``/internal/rtmp/*`` calls."""
    import secrets

    from argus.platform.identity.tokens import digest
    from argus.platform.ingest.models import IngestNode

    node_id, secret = new_slug("node"), secrets.token_urlsafe(24)
    async with services.dbs.control_session() as session:
        session.add(IngestNode(id=node_id, rtmp_url="rtmp://127.0.0.1:19350",
                               hls_url="http://127.0.0.1:18080", capacity=10, state="active",
                               secret_hash=digest(secret)))
        await session.commit()
    return node_id, secret
