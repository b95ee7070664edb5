"""Provisioning and deletion are idempotent step by step, on a real S3 endpoint process."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from argus.platform.cameras.models import Camera
from argus.platform.core.errors import Invalid
from argus.platform.core.migrate import head_revision
from argus.platform.services import Services
from argus.tenants.models import Tenant
from argus.tenants.service import TenantSpec
from tests.conftest import new_slug
from tests.helpers import half_provisioned, schema_exists, tables_of

STEPS = ["create_schema", "migrate_schema", "create_bucket", "activate"]


async def _assert_one_working_tenant(services: Services, slug: str) -> Tenant:
    async with services.dbs.control_session() as session:
        count = await session.scalar(select(func.count()).select_from(Tenant)
                                     .where(Tenant.slug == slug))
    assert count == 1
    tenant = await services.tenant_service.get(slug)
    assert tenant.state == "active"
    engine = services.dbs.engine(tenant.db_cluster)
    assert {"cameras", "tenant_settings", "alembic_version"} <= await tables_of(engine,
                                                                               tenant.schema)
    async with engine.connect() as conn:
        versions = list(await conn.execute(
            text(f"SELECT version_num FROM `{tenant.schema}`.alembic_version")))
    assert [v[0] for v in versions] == [head_revision("tenant")]
    assert await services.storage.bucket_exists(tenant.bucket)
    # The tenant's session writes and reads in its own schema.
    async with services.dbs.tenant_session(tenant) as session:
        before = await session.scalar(select(func.count()).select_from(Camera))
        session.add(Camera(name="probe"))
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Camera)) == before + 1
    return tenant


async def test_provisioning_creates_schema_tables_bucket_and_active_row(s3_services):
    slug = new_slug()
    tenant, created = await s3_services.tenant_service.put(slug, TenantSpec(name="Acme"))
    assert created and tenant.state == "active"
    assert tenant.schema == f"argus_t_{slug}"
    assert tenant.bucket == f"argus-t-{slug}"
    await _assert_one_working_tenant(s3_services, slug)


@pytest.mark.parametrize("failing_step", STEPS)
async def test_rerun_after_crash_at_each_step_ends_in_one_working_tenant(
        s3_services, monkeypatch, failing_step):
    service = s3_services.tenant_service
    slug = await half_provisioned(service, monkeypatch, failing_step)
    assert (await service.get(slug)).state == "provisioning"

    tenant, created = await service.put(slug, TenantSpec(name="Half"))
    assert not created
    await _assert_one_working_tenant(s3_services, slug)
    # And once more: nothing changes, nothing is duplicated.
    again, _ = await service.put(slug, TenantSpec(name="Half"))
    assert again.updated_at == tenant.updated_at
    await _assert_one_working_tenant(s3_services, slug)


async def test_provision_finishes_a_half_provisioned_tenant(s3_services, monkeypatch):
    """The worker's path: ``provision(slug)`` alone completes what a crash left."""
    service = s3_services.tenant_service
    slug = await half_provisioned(service, monkeypatch, "create_bucket")
    await service.provision(slug)
    await _assert_one_working_tenant(s3_services, slug)


async def test_delete_drops_schema_bucket_and_row(s3_services):
    service = s3_services.tenant_service
    slug = new_slug()
    tenant, _ = await service.put(slug, TenantSpec(name="Doomed"))
    await s3_services.storage.put(tenant.bucket, "recordings/a.mp4", b"data")
    await service.delete(slug)
    engine = s3_services.dbs.engine(tenant.db_cluster)
    assert not await schema_exists(engine, tenant.schema)
    assert not await s3_services.storage.bucket_exists(tenant.bucket)
    with pytest.raises(Exception, match="not found"):
        await service.get(slug)


async def test_delete_rerun_after_crash_finishes(s3_services, monkeypatch):
    service = s3_services.tenant_service
    slug = new_slug()
    tenant, _ = await service.put(slug, TenantSpec(name="Doomed"))

    async def crash(bucket):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(s3_services.storage, "delete_bucket", crash)
    with pytest.raises(RuntimeError):
        await service.delete(slug)
    assert (await service.get(slug)).state == "deleting"
    monkeypatch.undo()
    await service.delete(slug)
    assert not await s3_services.storage.bucket_exists(tenant.bucket)
    assert not await schema_exists(s3_services.dbs.engine(tenant.db_cluster), tenant.schema)


@pytest.mark.parametrize("slug", ["ab", "Acme", "1acme", "acme_co", "a" * 41, "admin", "www",
                                  "provider", "acme-", "ac--me"])
async def test_bad_slugs_are_refused_naming_slug(services, slug):
    with pytest.raises(Invalid) as info:
        await services.tenant_service.put(slug, TenantSpec(name="x"))
    assert info.value.field == "slug"


async def test_local_backend_provisions_a_directory(services):
    slug = new_slug()
    tenant, _ = await services.tenant_service.put(slug, TenantSpec(name="Local"))
    root = services.settings.storage.root
    assert (root / tenant.bucket).is_dir()
    await services.tenant_service.delete(slug)
    assert not (root / tenant.bucket).exists()


async def test_delete_leaves_no_row_of_the_tenant_in_any_control_table(s3_services):
    """Stream keys, placements (they counted toward node load), brand, usage, domains: gone
    with the tenant, so a deleted tenant's keys cannot publish and nodes are not held."""
    from datetime import date

    from argus.billing.usage import meter_recording
    from argus.platform.cameras.models import StreamKey
    from argus.platform.ingest.models import CameraPlacement
    from argus.tenants.service import tenant_owned_tables

    names = {t.name for t in tenant_owned_tables()}
    assert {"stream_keys", "camera_placements", "brands", "usage_daily"} <= names
    service = s3_services.tenant_service
    slug = new_slug()
    tenant, _ = await service.put(slug, TenantSpec(name="Doomed",
                                                   domains=[f"cams.{slug}.example"]))
    await s3_services.storage.put(tenant.bucket, "branding/logo.png", b"png")
    from argus.branding.brands import BrandStore

    await BrandStore(s3_services.dbs).update(tenant.id, tenant.plan, {"product_name": "X"})
    import secrets
    import uuid

    camera_id = str(uuid.uuid4())
    async with s3_services.dbs.control_session() as session:
        session.add(StreamKey(key_hash=secrets.token_hex(32), tenant_id=tenant.id,
                              camera_id=camera_id))
        session.add(CameraPlacement(camera_id=camera_id, tenant_id=tenant.id, node_id=None))
        await meter_recording(session, tenant.id, date(2026, 11, 1), 60.0, 1000)
        await session.commit()
    await service.delete(slug)
    async with s3_services.dbs.control_session() as session:
        for table in tenant_owned_tables():
            left = await session.scalar(select(func.count()).select_from(table)
                                        .where(table.c.tenant_id == tenant.id))
            assert left == 0, table.name
    assert not await s3_services.storage.bucket_exists(tenant.bucket)
