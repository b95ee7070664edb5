"""``/healthz`` (the process answers) and ``/readyz`` (control DB and Redis reachable; the same
checks feed ``argus_dependency_up`` in the metrics)."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from sqlalchemy import text

from argus.platform.core.di import Provided
from argus.platform.core.infra import Infra


async def check_dependencies(infra: Infra, timeout: float = 2.0) -> dict[str, str]:
    """``ok`` or ``down: <error>`` for the control database and Redis."""

    async def database() -> None:
        async with infra.dbs.control_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def redis() -> None:
        await infra.redis.ping()

    results: dict[str, str] = {}
    for name, check in {"database": database, "redis": redis}.items():
        try:
            async with asyncio.timeout(timeout):
                await check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"
            results[name] = f"down: {type(exc).__name__}"
    return results


class HealthController(Controller):
    path = ""
    include_in_schema = False

    @get("/healthz", exclude_from_auth=True)
    async def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz")
    async def readyz(self, infra: Provided[Infra]) -> Response:
        results = await check_dependencies(infra)
        down = [name for name, result in results.items() if result != "ok"]
        if down:
            return Response({"status": "unavailable", "down": down, "checks": results},
                            status_code=503)
        return Response({"status": "ready", "checks": results}, status_code=200)
