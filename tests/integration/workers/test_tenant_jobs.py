"""Tenant jobs run by a real arq worker (burst mode) against the real Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from arq import Worker, create_pool
from arq.connections import RedisSettings
from sqlalchemy import update

from argus.platform.core.db import utcnow
from argus.platform.services import CTX_KEY
from argus.platform.workers import general_queue, worker_settings
from argus.tenants.jobs import finish_unfinished_tenants
from argus.tenants.models import Tenant
from argus.tenants.service import TenantSpec
from tests.conftest import new_slug
from tests.helpers import half_provisioned


async def test_provision_job_finishes_a_tenant_and_is_idempotent(control, services, monkeypatch):
    slug = await half_provisioned(services.tenant_service, monkeypatch)
    redis = await create_pool(RedisSettings.from_dsn(control.redis.url))
    try:
        # A queue of its own: jobs other tests left on the shared one (locked by a worker they
        # stopped) would keep a burst worker waiting.
        queue = f"{general_queue(control)}:{new_slug('q')}"
        job = await redis.enqueue_job("provision_tenant", slug, _queue_name=queue,
                                      _job_id=f"provision:{slug}")
        again = await redis.enqueue_job("provision_tenant", slug, _queue_name=queue,
                                        _job_id=f"provision:{slug}")
        assert job is not None and again is None  # the same job id is enqueued once
        worker = Worker(**{**worker_settings(control), "cron_jobs": [], "queue_name": queue},
                        burst=True, poll_delay=0.05)
        try:
            await worker.main()
        finally:
            await worker.close()
        assert await job.result(timeout=5) == "active"
        assert (await services.tenant_service.get(slug)).state == "active"
    finally:
        await redis.aclose()


async def test_sweep_finishes_stuck_provisioning_and_deletion(control, services, monkeypatch):
    stuck = await half_provisioned(services.tenant_service, monkeypatch)
    doomed = new_slug()
    tenant, _ = await services.tenant_service.put(doomed, TenantSpec(name="Doomed"))
    async with services.dbs.control_session() as session:
        await session.execute(update(Tenant).where(Tenant.slug == doomed)
                              .values(state="deleting"))
        await session.execute(update(Tenant).where(Tenant.slug.in_([stuck, doomed]))
                              .values(updated_at=utcnow() - timedelta(minutes=10)))
        await session.commit()

    assert await finish_unfinished_tenants({CTX_KEY: services}) >= 2
    assert (await services.tenant_service.get(stuck)).state == "active"
    with pytest.raises(Exception, match="not found"):
        await services.tenant_service.get(doomed)
    assert not await services.storage.bucket_exists(tenant.bucket)
