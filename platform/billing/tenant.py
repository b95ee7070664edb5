"""``/api/v1/billing``: what a tenant's admins see of their plan (``billing:read``).

``GET /invoices[/{id}]``: the tenant's own invoices once finalized (drafts are the
provider's), JSON or CSV; another tenant's invoice is a 404 like one that does not exist.

``GET /plan``: the plan's limits beside the current use (cameras 7 of 10, storage 41 of
100 GB, ...), read from the tenant's own schema and its control rows only."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.invoices import TENANT_VISIBLE, get_invoice, invoice_dict, list_invoices
from argus.billing.plans import Limits
from argus.billing.report import usage_answer
from argus.platform.billing.answers import csv_response, invoice_page, wants_csv
from argus.platform.billing.overview import plan_overview
from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.platform.core.guards import needs
from argus.tenants.context import TenantContext


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
        return await plan_overview(tenant, limits, dbs, db_session)

    @get("/invoices", opt=needs("billing:read"),
         summary="The tenant's invoices, newest month first (JSON or CSV)")
    async def invoices(
        self, request: Request[Any, Any, Any], tenant: NamedDependency[TenantContext],
        dbs: Provided[Databases], period: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        fmt: Annotated[str | None, QueryParameter(name="format")] = None,
    ) -> Any:
        items, next_cursor = await list_invoices(dbs, tenant_id=tenant.id, period=period,
                                                 states=TENANT_VISIBLE, cursor=cursor,
                                                 limit=limit)
        if wants_csv(request, fmt):
            return csv_response(items, f"invoices-{tenant.slug}")
        return invoice_page(items, next_cursor)

    @get("/invoices/{invoice_id:str}", opt=needs("billing:read"),
         summary="One of the tenant's invoices with its line items (JSON or CSV)")
    async def invoice(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[str],
        tenant: NamedDependency[TenantContext], dbs: Provided[Databases],
        fmt: Annotated[str | None, QueryParameter(name="format")] = None,
    ) -> Any:
        found = await get_invoice(dbs, invoice_id, tenant.id, TENANT_VISIBLE)
        if wants_csv(request, fmt):
            return csv_response([found], f"invoice-{tenant.slug}-{found[0].period}")
        return invoice_dict(*found)
