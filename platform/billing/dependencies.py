"""``limits``: the requesting tenant's plan limits (``argus.billing.plans.Limits``), for the
routes where a quota bites."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from argus.billing.plans import Limits, PlanBook
from argus.platform.core.di import Provided
from argus.tenants.context import TenantContext


async def provide_limits(tenant: NamedDependency[TenantContext],
                         plans: Provided[PlanBook]) -> Limits:
    return await plans.limits(tenant.plan)


BILLING_DEPENDENCIES = {"limits": Provide(provide_limits)}
