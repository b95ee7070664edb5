"""Host → tenant resolution, the per-request tenant session, and isolation between tenants."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.app import create_app
from argus.platform.cameras.models import Camera
from argus.tenants.service import TenantSpec
from tests.conftest import new_slug
from tests.helpers import wait_for


class CameraIn(msgspec.Struct):
    name: str


class ProbeController(Controller):
    """A route mounted for this test only: writes and reads through the tenant session."""

    path = "/probe/cameras"

    @post("/", opt={"public": True})
    async def create(self, data: JSONBody[CameraIn],
                     db_session: NamedDependency[AsyncSession]) -> dict[str, str]:
        camera = Camera(name=data.name)
        db_session.add(camera)
        await db_session.commit()
        return {"id": camera.id}

    @get("/", opt={"public": True})
    async def names(self, db_session: NamedDependency[AsyncSession]) -> list[str]:
        return list(await db_session.scalars(select(Camera.name).order_by(Camera.name)))


@pytest.fixture
async def probe_client(control):
    app = create_app(control, extra_tenant_handlers=[ProbeController])
    async with AsyncTestClient(app, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
async def two_tenants(services):
    a, b = new_slug("a"), new_slug("b")
    await services.tenant_service.put(a, TenantSpec(name="Tenant A",
                                                    domains=[f"cams.{a}.example"]))
    await services.tenant_service.put(b, TenantSpec(name="Tenant B"))
    return a, b


async def test_a_row_written_through_one_host_is_invisible_through_another(probe_client,
                                                                            two_tenants):
    a, b = two_tenants
    created = await probe_client.post("/api/v1/probe/cameras", json={"name": "gate"},
                                      headers={"Host": f"{a}.localhost"})
    assert created.status_code == 201, created.text
    seen_a = await probe_client.get("/api/v1/probe/cameras", headers={"Host": f"{a}.localhost"})
    seen_b = await probe_client.get("/api/v1/probe/cameras", headers={"Host": f"{b}.localhost"})
    assert seen_a.json() == ["gate"]
    assert seen_b.json() == []


async def test_profile_answers_on_subdomain_and_verified_custom_domain(probe_client, two_tenants):
    a, _ = two_tenants
    for host in (f"{a}.localhost", f"{a.upper()}.LOCALHOST:8000", f"{a}.localhost.",
                 f"cams.{a}.example", f"Cams.{a}.Example.:443"):
        response = await probe_client.get("/api/v1/tenant", headers={"Host": host})
        assert response.status_code == 200, host
        assert response.json()["slug"] == a
        assert response.json()["name"] == "Tenant A"


async def test_unknown_host_is_404_with_json(probe_client):
    for host in ("nobody-here.localhost", "localhost", "cams.unknown.example", "a.b.localhost"):
        response = await probe_client.get("/api/v1/tenant", headers={"Host": host})
        assert response.status_code == 404, host
        assert response.json()["code"] == "unknown_host"


async def test_suspended_tenant_is_403_with_json(probe_client, services, two_tenants):
    _, b = two_tenants
    await services.tenant_service.update(b, state="suspended")
    response = await probe_client.get("/api/v1/tenant", headers={"Host": f"{b}.localhost"})
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_suspended"


async def test_cache_is_invalidated_across_processes_through_redis(control, services):
    """Two app instances: a change made through one is seen by the other without waiting."""
    slug = new_slug()
    await services.tenant_service.put(slug, TenantSpec(name="Cached"))
    other_app = create_app(control)
    async with AsyncTestClient(other_app, base_url="http://testserver.local") as other:
        host = {"Host": f"{slug}.localhost"}
        assert (await other.get("/api/v1/tenant", headers=host)).status_code == 200  # cached now
        await services.tenant_service.update(slug, state="suspended")  # publishes the change

        async def sees_suspension() -> bool:
            return (await other.get("/api/v1/tenant", headers=host)).status_code == 403

        await wait_for(sees_suspension, timeout=5)

        # A new tenant is found at once although its host was cached as unknown.
        new = new_slug()
        new_host = {"Host": f"{new}.localhost"}
        assert (await other.get("/api/v1/tenant", headers=new_host)).status_code == 404
        await services.tenant_service.put(new, TenantSpec(name="New"))

        async def sees_new() -> bool:
            return (await other.get("/api/v1/tenant", headers=new_host)).status_code == 200

        await wait_for(sees_new, timeout=5)
