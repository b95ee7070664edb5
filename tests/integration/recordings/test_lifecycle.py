"""Retention and tier crons against rows and objects with back-dated times: they delete and
move exactly what they should, on both storage backends, and a second run changes nothing."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.recordings.lifecycle import apply_retention, apply_tiers
from argus.platform.recordings.models import Recording
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant
from argus.tenants.service import TenantSpec
from argus.tenants.settings_store import put_setting
from tests.conftest import new_slug


async def _tenant(st) -> TenantContext:
    row, _ = await st.tenant_service.put(new_slug(), TenantSpec(name="Lifecycle"))
    return TenantContext.from_row(row)


async def _camera(st, tenant, retention_days=None) -> str:
    camera_id = str(uuid.uuid4())
    async with st.dbs.tenant_session(tenant) as session:
        session.add(Camera(id=camera_id, name="C", record=True, retention_days=retention_days))
        await session.commit()
    return camera_id


async def _recording(st, tenant, camera_id, age_days: float) -> Recording:
    start = utcnow() - timedelta(days=age_days)
    row = Recording(camera_id=camera_id, started_at=start, ended_at=start + timedelta(hours=1),
                    duration_s=3600, size_bytes=10, source=str(uuid.uuid4()),
                    object_key=f"recordings/{start:%Y/%m/%d}/{camera_id}/{uuid.uuid4()}.mp4")
    await st.storage.put(tenant.bucket, row.object_key, b"0123456789")
    async with st.dbs.tenant_session(tenant) as session:
        session.add(row)
        await session.commit()
    async with st.dbs.control_session() as control:
        await control.execute(update(Tenant).where(Tenant.id == tenant.id).values(
            storage_bytes=Tenant.storage_bytes + 10))
        await control.commit()
    return row


async def _rows(st, tenant) -> dict[str, Recording]:
    async with st.dbs.tenant_session(tenant) as session:
        return {r.id: r for r in await session.scalars(select(Recording))}


@pytest.fixture(params=["local", "s3"])
async def st(request, services, s3_services):
    return services if request.param == "local" else s3_services


async def test_retention_deletes_expired_objects_then_rows(st):
    tenant = await _tenant(st)
    keep_long = await _camera(st, tenant, retention_days=90)
    usual = await _camera(st, tenant)
    async with st.dbs.tenant_session(tenant) as session:
        await put_setting(session, "recording", {"retention_days": 30})
        await session.commit()
    old = await _recording(st, tenant, usual, 40)
    fresh = await _recording(st, tenant, usual, 5)
    kept = await _recording(st, tenant, keep_long, 40)   # its camera keeps 90 days
    gone = await _recording(st, tenant, keep_long, 100)
    await st.storage.delete(tenant.bucket, gone.object_key)  # a missing object is fine

    assert await apply_retention(st, tenant) == 2
    rows = await _rows(st, tenant)
    assert set(rows) == {fresh.id, kept.id}
    keys = await st.storage.list_keys(tenant.bucket, "recordings/")
    assert sorted(keys) == sorted([fresh.object_key, kept.object_key])
    assert old.object_key not in keys
    async with st.dbs.control_session() as control:
        assert await control.scalar(select(Tenant.storage_bytes).where(
            Tenant.id == tenant.id)) == 20
    assert await apply_retention(st, tenant) == 0  # idempotent


async def test_tiers_move_objects_and_rows_follow(st):
    tenant = await _tenant(st)
    camera_id = await _camera(st, tenant)
    hot = await _recording(st, tenant, camera_id, 1)
    warm = await _recording(st, tenant, camera_id, 10)
    cold = await _recording(st, tenant, camera_id, 45)
    assert await apply_tiers(st, tenant) == 2
    rows = await _rows(st, tenant)
    assert (rows[hot.id].storage_tier, rows[warm.id].storage_tier,
            rows[cold.id].storage_tier) == ("hot", "warm", "cold")
    for row in rows.values():  # every row names where its object is now, with its content
        if row.storage_tier == "cold" and st.settings.storage.backend == "s3":
            # (the test endpoint refuses GETs of archived classes: its size and ETag say it)
            head = st.storage.client.head_object(Bucket=tenant.bucket, Key=row.object_key)
            assert head["ContentLength"] == 10
            assert head["ETag"].strip('"') == hashlib.md5(b"0123456789").hexdigest()
        else:
            assert await st.storage.get(tenant.bucket, row.object_key) == b"0123456789"
    if st.settings.storage.backend == "s3":
        head = st.storage.client.head_object
        assert head(Bucket=tenant.bucket, Key=rows[warm.id].object_key).get(
            "StorageClass") == "STANDARD_IA"
        assert head(Bucket=tenant.bucket, Key=rows[cold.id].object_key).get(
            "StorageClass") == "GLACIER_IR"
    else:
        assert rows[warm.id].object_key == f"warm/{warm.object_key}"
        assert rows[cold.id].object_key == f"cold/{cold.object_key}"
    assert await apply_tiers(st, tenant) == 0  # idempotent
    # Older still: warm goes cold.
    async with st.dbs.tenant_session(tenant) as session:
        await session.execute(update(Recording).where(Recording.id == warm.id).values(
            started_at=utcnow() - timedelta(days=31)))
        await session.commit()
    assert await apply_tiers(st, tenant) == 1
    assert (await _rows(st, tenant))[warm.id].storage_tier == "cold"
