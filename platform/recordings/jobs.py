"""Recording jobs (general worker): retention, storage tiers and clip expiry tenant by
tenant (hourly), and clip exports."""

from __future__ import annotations

from typing import Any

import structlog
from arq import cron

from argus.billing.plans import PlanBook
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import from_ctx
from argus.platform.recordings.clips import expire_clips, make_clip
from argus.platform.recordings.lifecycle import apply_retention, apply_tiers, load_policy
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.worker")


async def recording_lifecycle(ctx: dict[str, Any]) -> dict:
    """Retention, then tiers, tenant by tenant (one failing tenant does not stop the rest)."""
    infra, plans = from_ctx(ctx, Infra), from_ctx(ctx, PlanBook)
    totals = {"expired": 0, "tiered": 0, "clips_expired": 0, "failed": 0}
    for tenant in await from_ctx(ctx, TenantResolver).active():
        try:
            totals["expired"] += await apply_retention(infra, tenant,
                                                       await plans.limits(tenant.plan))
            totals["tiered"] += await apply_tiers(infra, tenant)
            async with infra.dbs.tenant_session(tenant) as s:
                keep = (await load_policy(s)).clip_retention_days
            totals["clips_expired"] += (await expire_clips(infra, tenant, keep))["expired"]
        except Exception as exc:
            totals["failed"] += 1
            log.warning("recordings.lifecycle_failed", tenant=tenant.slug, error=str(exc))
    return totals


async def export_clip(ctx: dict[str, Any], tenant_id: str, clip_id: str) -> str:
    tenant = await from_ctx(ctx, TenantResolver).load(tenant_id)
    if tenant is None:
        return "gone"
    return await make_clip(from_ctx(ctx, Infra), tenant, clip_id)


JOBS = [export_clip]
# hourly: retention promptly, tiers whenever a recording crosses an age
CRONS = [cron(recording_lifecycle, minute=17, second=0, unique=True,
              timeout=290)]  # a longer run resumes next hour
