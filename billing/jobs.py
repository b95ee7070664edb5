"""Billing jobs (general worker): every tenant's usage outbox into the ledger."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron

from argus.billing.ledger import drain_outbox
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


JOBS: list[Any] = []
CRONS = [cron(drain_usage, second=40, unique=True, timeout=120)]
