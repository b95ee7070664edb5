"""The admin app's "Usage & billing" page (plan limits beside use, the last 30 days of usage as
a chart with its table, the tenant's invoices) and the printable invoice. Admins only
(``billing:read``); a tenant sees its finalized invoices, never a draft or another tenant's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from argus.billing.invoices import TENANT_VISIBLE, get_invoice, list_invoices
from argus.billing.plans import Limits
from argus.billing.report import usage_report
from argus.platform.billing.overview import plan_overview
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.guards import needs
from argus.platform.web.render import render
from argus.tenants.context import TenantContext

CHART_DAYS = 30


def _bars(items: list[dict[str, Any]], figure: str) -> dict[str, Any]:
    """Bar heights (0-100) of one figure over the days, for the page's SVG chart."""
    values = [float(item[figure]) for item in items]
    top = max(values, default=0) or 1
    return {"figure": figure, "max": max(values, default=0),
            "bars": [{"day": item["period"], "value": value, "height": round(value / top * 100)}
                     for item, value in zip(items, values, strict=True)]}


class BillingPages(Controller):
    path = "/billing"
    include_in_schema = False

    @get("/", opt=needs("billing:read"))
    async def billing(self, request: Request[Any, Any, Any],
                      tenant: NamedDependency[TenantContext], limits: NamedDependency[Limits],
                      dbs: Provided[Databases],
                      db_session: NamedDependency[AsyncSession]) -> Template:
        overview = await plan_overview(tenant, limits, dbs, db_session)
        today = utcnow().date()
        days = await usage_report(dbs, tenant.id, today - timedelta(days=CHART_DAYS - 1), today,
                                  "day")
        invoices, _ = await list_invoices(dbs, tenant_id=tenant.id, states=TENANT_VISIBLE,
                                          limit=24)
        return await render(request, tenant, "billing.html", overview=overview, days=days,
                            charts=[_bars(days, "camera_minutes"),
                                    _bars(days, "stored_gb_hours")],
                            invoices=[inv for inv, _ in invoices])

    @get("/invoices/{invoice_id:str}", opt=needs("billing:read"))
    async def invoice(self, request: Request[Any, Any, Any], invoice_id: FromPath[str],
                      tenant: NamedDependency[TenantContext],
                      dbs: Provided[Databases]) -> Template:
        invoice, _ = await get_invoice(dbs, invoice_id, tenant.id, TENANT_VISIBLE)
        return await render(request, tenant, "invoice.html", invoice=invoice)
