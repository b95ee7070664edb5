"""``/provider/v1/plans``: the provider's plans (create-or-replace by name, list, show, delete
one no tenant is on). A changed plan is in force on every replica within
``argus.billing.plans.CACHE_SECONDS``."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from litestar import Controller, Response, delete, get, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.billing.plans import PlanBook, validate_name
from argus.billing.report import usage_answer
from argus.platform.billing.schemas import PlanIn, PlanList, PlanOut, limits_of, plan_out
from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.tenants.service import TenantService

log = structlog.get_logger("argus.provider")
Plans = Provided[PlanBook]


class ProviderPlanController(Controller):
    path = "/plans"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @put("/{name:str}", summary="Create or replace a plan (idempotent; absent fields: defaults)",
         status_code=200)
    async def put_plan(self, name: FromPath[str], data: JSONBody[PlanIn],  # type: ignore[valid-type]
                       plans: Plans) -> Response[PlanOut]:  # type: ignore[valid-type]
        created = await plans.put(limits_of(validate_name(name), data))
        log.info("plan.put", plan=name, created=created)
        return Response(plan_out(*await plans.get(name)), status_code=201 if created else 200)

    @get("/{name:str}", summary="Show a plan")
    async def get_plan(self, name: FromPath[str], plans: Plans) -> PlanOut:  # type: ignore[valid-type]
        return plan_out(*await plans.get(name))

    @get("/", summary="Every plan, by name")
    async def list_plans(self, plans: Plans) -> PlanList:
        return PlanList([plan_out(*item) for item in await plans.list()])

    @delete("/{name:str}", summary="Delete a plan no tenant is on")
    async def delete_plan(self, name: FromPath[str], plans: Plans) -> None:
        await plans.delete(name)
        log.info("plan.deleted", plan=name)


class ProviderUsageController(Controller):
    path = "/tenants"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @get("/{slug:str}/usage", summary="A tenant's usage per day or month, from the ledger")
    async def usage(
        self, slug: FromPath[str], tenant_service: Provided[TenantService],
        dbs: Provided[Databases],
        start: Annotated[str | None, QueryParameter(name="from")] = None,
        end: Annotated[str | None, QueryParameter(name="to")] = None,
        granularity: FromQuery[str] = "day",
    ) -> dict[str, Any]:
        tenant = await tenant_service.get(slug)
        return await usage_answer(dbs, tenant.id, slug, start, end, granularity)

