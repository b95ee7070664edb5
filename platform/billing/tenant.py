"""``/api/v1/billing``: what a tenant's admins see of their plan (``billing:read``).

``GET /plan``: the plan's limits beside the current use (cameras 7 of 10, storage 41 of
100 GB, ...), read from the tenant's own schema and its control rows only."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.ledger import count_since
from argus.billing.plans import Limits
from argus.billing.report import usage_answer
from argus.platform.cameras.models import Camera
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.guards import needs
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant, TenantDomain

GB = 1_000_000_000


class BillingController(Controller):
    path = "/billing"
    tags = ["billing"]

    @get("/usage", opt=needs("billing:read"),
         summary="The tenant's usage per day or month (from, to: dates, inclusive)")
    async def usage(
        self, tenant: NamedDependency[TenantContext], dbs: Provided[Databases],
        start: Annotated[str | None, QueryParameter(name="from")] = None,
        end: Annotated[str | None, QueryParameter(name="to")] = None,
        granularity: FromQuery[str] = "day",
    ) -> dict[str, Any]:
        return await usage_answer(dbs, tenant.id, tenant.slug, start, end, granularity)

    @get("/plan", opt=needs("billing:read"),
         summary="The tenant's plan: its limits and prices beside the current use")
    async def plan(self, tenant: NamedDependency[TenantContext],
                   limits: NamedDependency[Limits], dbs: Provided[Databases],
                   db_session: NamedDependency[AsyncSession]) -> dict[str, Any]:
        enabled = await db_session.scalar(
            select(func.count()).select_from(Camera).where(Camera.enabled.is_(True)))
        async with dbs.control_session() as control:
            stored = await control.scalar(select(Tenant.storage_bytes)
                                          .where(Tenant.id == tenant.id))
            domains = await control.scalar(select(func.count()).select_from(TenantDomain)
                                           .where(TenantDomain.tenant_id == tenant.id))
        month = utcnow().date().replace(day=1)
        clips = await count_since(dbs, tenant, "clip_exports", month)
        values = limits.values()
        name = values.pop("name")
        return {
            "plan": name, "limits": values,
            "use": {
                "cameras": {"used": enabled or 0, "limit": limits.max_cameras},
                "storage_gb": {"used": round((stored or 0) / GB, 3),
                               "included": limits.storage_included_gb},
                "custom_domains": {"used": domains or 0, "limit": limits.custom_domains},
                "clip_exports_this_month": {"used": clips,
                                            "limit": limits.clip_exports_per_month},
            },
        }
