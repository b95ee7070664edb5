"""Fixtures of the recording tests: a recording camera of its own tenant."""

from __future__ import annotations

import uuid

import pytest

from argus.platform.cameras.models import Camera


@pytest.fixture
async def camera(services, tenant_a):
    tenant = await services.resolver.by_slug(tenant_a.slug)
    camera_id = str(uuid.uuid4())
    async with services.dbs.tenant_session(tenant) as session:
        session.add(Camera(id=camera_id, name="Rec", record=True))
        await session.commit()
    return tenant, camera_id
