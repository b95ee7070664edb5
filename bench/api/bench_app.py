"""The app ``bench/api/run.py`` serves: the product app plus two routes of the benchmark's own.

- ``GET /api/v1/bench/cameras``: host-resolved, reads the tenant schema (count the tenant's
  cameras and list the 20 newest), through the same ``tenant``/``db_session`` dependencies as
  every tenant route.
- ``GET /api/v1/bench/cameras-auth``: the same read for a signed-in caller (``cameras:read``).
- ``GET /bench/bare``: no DB, no tenant resolution: the framework's ceiling on this machine.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.app import create_app
from argus.platform.cameras.models import Camera
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings


async def _newest(db_session: AsyncSession) -> dict:
    count = await db_session.scalar(select(func.count()).select_from(Camera))
    rows = await db_session.execute(
        select(Camera.id, Camera.name, Camera.created_at)
        .order_by(Camera.created_at.desc()).limit(20))
    return {"count": count,
            "newest": [{"id": r.id, "name": r.name, "created_at": r.created_at} for r in rows]}


class BenchCameras(Controller):
    path = "/bench"

    @get("/cameras", opt={"public": True})
    async def newest(self, db_session: NamedDependency[AsyncSession]) -> dict:
        return await _newest(db_session)

    @get("/cameras-auth", opt={"permission": "cameras:read"})
    async def newest_authenticated(self, db_session: NamedDependency[AsyncSession]) -> dict:
        """The same read behind the full auth path (JWT or API token, rate limit, guard)."""
        return await _newest(db_session)


@get("/bench/bare")
async def bare() -> dict:
    return {"ok": True}


def create_app_from_env():
    """Like ``argus.platform.app.create_app_from_env``, with the benchmark's routes."""
    app = create_app(Settings.from_env(), extra_route_handlers=[bare],
                     extra_tenant_handlers=[BenchCameras])
    tune_gc()
    return app
