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


async def test_a_tenant_on_a_cluster_this_process_lacks_is_a_clear_503_and_job_failure(control):
    """The row names a cluster the process has no URL for: every way to the tenant's data
    (an API route, a worker job) says so, instead of a 500 or a silent failure."""
    from arq import Worker, create_pool
    from arq.connections import RedisSettings

    from argus.platform.app import services_of_app
    from argus.platform.core.errors import ServiceUnavailable
    from argus.platform.workers import general_queue, worker_settings

    settings, _ = _two_clusters(control)
    both = Services.build(settings)
    slug = new_slug()
    try:
        tenant, _ = await both.tenant_service.put(slug, TenantSpec(name="Far",
                                                                   db_cluster="second"))
    finally:
        await both.close()

    app = create_app(control)  # only "main" is configured here
    try:
        async with AsyncTestClient(app, base_url="http://testserver.local") as client:
            host = {"Host": f"{slug}.localhost"}
            assert (await client.get("/api/v1/tenant", headers=host)).status_code == 200
            response = await client.post("/api/v1/auth/login", headers=host,
                                         json={"email": "a@far.example", "password": "x" * 12})
            assert response.status_code == 503
            body = response.json()
            assert body["code"] == "cluster_unavailable" and "'second'" in body["detail"]
    finally:
        await services_of_app(app).close()

    redis = await create_pool(RedisSettings.from_dsn(control.redis.url))
    try:
        queue = f"{general_queue(control)}:{new_slug('q')}"
        job = await redis.enqueue_job("export_clip", tenant.id, "no-such-clip", _queue_name=queue)
        worker = Worker(**{**worker_settings(control), "cron_jobs": [], "queue_name": queue},
                        burst=True, poll_delay=0.05, max_tries=1)
        try:
            await worker.main()
        finally:
            await worker.close()
        try:
            await job.result(timeout=5)
        except ServiceUnavailable as failed:
            assert "'second'" in str(failed) and "not configured" in str(failed)
        else:
            raise AssertionError("the job must fail with the cluster's name")
        info = await job.result_info()
        assert info is not None and info.success is False
    finally:
        await redis.aclose()
