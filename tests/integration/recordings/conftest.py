"""Fixtures of the recording tests: a recording camera of its own tenant."""

from __future__ import annotations

import uuid

import pytest

from argus.platform.cameras.models import Camera


@pytest.fixture
async def camera(state, tenant_a):
    tenant = await state["resolver"].by_slug(tenant_a.slug)
    camera_id = str(uuid.uuid4())
    async with state["dbs"].tenant_sessions(tenant.db_cluster, tenant.schema)() as session:
        session.add(Camera(id=camera_id, name="Rec", record=True))
        await session.commit()
    return tenant, camera_id
