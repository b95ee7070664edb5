"""API calls per tenant for the per-tenant metrics family, counted across every replica.

Each process counts locally (no Redis round trip per call) and adds its counts to one Redis
hash, tenant id → calls, every ``interval`` seconds; a scrape reads the hash. The counts live
as long as Redis keeps them (a restart of Redis is a counter reset to Prometheus).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from redis.asyncio import Redis

from argus.platform.core.keys import metrics_prefix

log = structlog.get_logger("argus.metrics")


def api_calls_key(control_schema: str) -> str:
    return f"{metrics_prefix(control_schema)}:api-calls"


class TenantCalls:
    def __init__(self, redis: Redis, control_schema: str, interval: float = 5.0) -> None:
        self.redis = redis
        self.key = api_calls_key(control_schema)
        self.interval = interval
        self.pending: dict[str, int] = {}

    def hit(self, tenant_id: str) -> None:
        self.pending[tenant_id] = self.pending.get(tenant_id, 0) + 1

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for tenant_id, calls in batch.items():
                    pipe.hincrby(self.key, tenant_id, calls)
                await pipe.execute()
        except Exception:
            for tenant_id, calls in batch.items():  # kept for the next round
                self.pending[tenant_id] = self.pending.get(tenant_id, 0) + calls
            raise

    async def run(self) -> None:
        me = asyncio.current_task()
        try:
            while True:
                try:
                    await self.flush()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("metrics.tenant_calls_flush_failed", error=str(exc))
                if me is not None and me.cancelling():
                    raise asyncio.CancelledError
                await asyncio.sleep(self.interval)
        finally:  # what this process counted since the last round
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(2):
                    await self.flush()
