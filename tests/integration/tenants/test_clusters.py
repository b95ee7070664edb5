"""Tenants spread over several database clusters: one engine per cluster, row names the cluster."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from argus.platform.app import create_app
from argus.platform.services import Services
from argus.tenants.service import TenantSpec
from tests.conftest import new_slug


def _two_clusters(settings):
    main = settings.database.clusters["main"]
    # Same server reached under another host name: a distinct engine, as a second server would be.
    second = main.replace("@127.0.0.1:", "@localhost:")
    assert second != main
    database = dataclasses.replace(settings.database, clusters={"main": main, "second": second})
    return dataclasses.replace(settings, database=database), second


async def test_a_tenant_lives_on_the_cluster_its_row_names(control):
    settings, second_url = _two_clusters(control)
    services = Services.build(settings)
    try:
        slug = new_slug()
        tenant, _ = await services.tenant_service.put(slug, TenantSpec(name="Far",
                                                                       db_cluster="second"))
        assert tenant.db_cluster == "second"
        engines = services.dbs.engines
        assert set(engines) == {"main", "second"} and engines["main"] is not engines["second"]
        view = services.dbs.tenant_engine("second", tenant.schema)
        assert view.url.host == "localhost"

        async with AsyncTestClient(create_app(settings), base_url="http://testserver.local") as c:
            response = await c.get("/api/v1/tenant", headers={"Host": f"{slug}.localhost"})
            assert response.status_code == 200 and response.json()["slug"] == slug

    finally:
        await services.close()
