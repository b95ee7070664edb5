"""A tenant's plan beside its current use (cameras 7 of 10, storage 41 of 100 GB, ...), as
``GET /api/v1/billing/plan`` and the admin app's "Usage & billing" page show it, read from the
tenant's own schema and its control rows only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.ledger import UsageEvent, count_since
from argus.billing.plans import Limits
from argus.platform.cameras.models import Camera
from argus.platform.core.db import Databases, utcnow
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant, TenantDomain

GB = 1_000_000_000


async def plan_overview(tenant: TenantContext, limits: Limits, dbs: Databases,
                        db_session: AsyncSession) -> dict[str, Any]:
    enabled = await db_session.scalar(
        select(func.count()).select_from(Camera).where(Camera.enabled.is_(True)))
    async with dbs.control_session() as control:
        stored = await control.scalar(select(Tenant.storage_bytes)
                                      .where(Tenant.id == tenant.id))
        domains = await control.scalar(select(func.count()).select_from(TenantDomain)
                                       .where(TenantDomain.tenant_id == tenant.id))
        month = utcnow().date().replace(day=1)
        egress = await control.scalar(select(func.sum(UsageEvent.bytes)).where(
            UsageEvent.tenant_id == tenant.id, UsageEvent.meter == "egress_bytes",
            UsageEvent.day >= month))
    clips = await count_since(dbs, tenant, "clip_exports", month)
    values = limits.values()
    name = values.pop("name")
    return {
        "plan": name, "limits": values,
        "use": {
            "cameras": {"used": enabled or 0, "limit": limits.max_cameras},
            "storage_gb": {"used": round((stored or 0) / GB, 3),
                           "included": limits.storage_included_gb},
            "egress_gb_this_month": {"used": round(int(egress or 0) / GB, 3),
                                     "included": limits.egress_included_gb},
            "custom_domains": {"used": domains or 0, "limit": limits.custom_domains},
            "clip_exports_this_month": {"used": clips,
                                        "limit": limits.clip_exports_per_month},
        },
    }
