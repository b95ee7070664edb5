"""The app ``bench/api/run.py`` serves: the product app plus two routes of the benchmark's own.

- ``GET /api/v1/bench/cameras``: host-resolved, reads the tenant schema (count the tenant's
  cameras and list the 20 newest), through the same ``tenant``/``db_session`` dependencies as
  every tenant route.
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


class BenchCameras(Controller):
    path = "/bench/cameras"

    @get("/", opt={"public": True})
    async def newest(self, db_session: NamedDependency[AsyncSession]) -> dict:
        count = await db_session.scalar(select(func.count()).select_from(Camera))
        rows = await db_session.execute(
            select(Camera.id, Camera.name, Camera.created_at)
            .order_by(Camera.created_at.desc()).limit(20))
        return {"count": count,
                "newest": [{"id": r.id, "name": r.name, "created_at": r.created_at}
                           for r in rows]}


@get("/bench/bare")
async def bare() -> dict:
    return {"ok": True}


def create_app_from_env():
    """Like ``argus.platform.app.create_app_from_env``, with the benchmark's routes."""
    app = create_app(Settings.from_env(), extra_route_handlers=[bare],
                     extra_tenant_handlers=[BenchCameras])
    tune_gc()
    return app
