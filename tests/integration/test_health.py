"""``/healthz`` and ``/readyz``, including a dependency that is down."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from argus.platform.app import create_app
from argus.platform.core.settings import RedisSettings


async def test_healthz_and_readyz_when_everything_is_up(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_names_what_is_down(control):
    broken = dataclasses.replace(control, redis=RedisSettings(url="redis://127.0.0.1:1/0"))
    async with AsyncTestClient(create_app(broken), base_url="http://testserver.local") as c:
        response = await c.get("/readyz")
        assert response.status_code == 503
        assert response.json()["down"] == ["redis"]
        assert (await c.get("/healthz")).status_code == 200
