"""``/healthz`` (the process answers) and ``/readyz`` (control DB and Redis reachable)."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from sqlalchemy import text

from argus.platform.core.di import Provided
from argus.platform.core.infra import Infra


class HealthController(Controller):
    path = ""
    include_in_schema = False

    @get("/healthz", exclude_from_auth=True)
    async def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz")
    async def readyz(self, infra: Provided[Infra]) -> Response:
        async def database() -> None:
            async with infra.dbs.control_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def redis() -> None:
            await infra.redis.ping()

        checks = {"database": database, "redis": redis}
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=2)
                results[name] = "ok"
            except Exception as exc:  # any failure means "not ready"
                results[name] = f"down: {type(exc).__name__}"
        down = [name for name, result in results.items() if result != "ok"]
        if down:
            return Response({"status": "unavailable", "down": down, "checks": results},
                            status_code=503)
        return Response({"status": "ready", "checks": results}, status_code=200)
