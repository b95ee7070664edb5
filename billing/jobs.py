"""Billing jobs (general worker): every tenant's usage outbox into the ledger and the API-call
counters of closed windows (every minute), the hourly storage snapshot (three tries an hour;
each hour is recorded once)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron

from argus.billing.api_calls import harvest_api_calls
from argus.billing.ledger import drain_outbox
from argus.billing.sink import export
from argus.billing.snapshots import snapshot_storage
from argus.billing.stripe_sink import sink_from_settings
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import from_ctx
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.worker")


async def drain_usage(ctx: dict[str, Any]) -> int:
    """Every tenant's usage outbox into the ledger (what a finalizer could not drain itself)."""
    resolver = from_ctx(ctx, TenantResolver)
    new = 0
    for tenant in await resolver.active():
        try:
            new += await drain_outbox(resolver.dbs, tenant)
        except Exception as exc:
            log.warning("usage.drain_failed", tenant=tenant.slug, error=str(exc))
    return new


async def snapshot_storage_hourly(ctx: dict[str, Any]) -> int:
    """Each tenant's bytes per tier for this hour (and hours missed) into the ledger."""
    return await snapshot_storage(from_ctx(ctx, TenantResolver).dbs)


async def meter_api_calls(ctx: dict[str, Any]) -> int:
    """API calls of every closed rate-limit window into the ledger."""
    infra = from_ctx(ctx, Infra)
    return await harvest_api_calls(infra.dbs, infra.redis,
                                   infra.settings.database.control_schema,
                                   infra.settings.auth.api_rate_window)


async def export_to_sink(ctx: dict[str, Any]) -> dict[str, int]:
    """Unsent ledger events and finalized invoices to the billing sink (none: nothing)."""
    infra = from_ctx(ctx, Infra)
    billing = infra.settings.billing
    sink = sink_from_settings(billing.sink, billing.stripe_api_key, billing.stripe_api_base)
    if sink is None:
        return {"events": 0, "invoices": 0}
    return await export(infra.dbs, sink)


JOBS: list[Any] = []
CRONS = [cron(drain_usage, second=40, unique=True, timeout=120),
         cron(meter_api_calls, second=20, unique=True, timeout=120),
         cron(export_to_sink, second=50, unique=True, timeout=300),
         cron(snapshot_storage_hourly, minute={1, 21, 41}, second=5, unique=True, timeout=300)]
