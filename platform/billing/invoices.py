"""``/provider/v1/invoices``: the provider drafts a month's invoices for every tenant (``run``,
idempotent), lists and shows them (JSON or CSV) and moves each one: ``finalize`` (freezes the
lines, due in ``ARGUS_BILLING_GRACE_DAYS``), ``void``, ``mark-paid`` (resumes a tenant its
non-payment suspended)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import structlog
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.billing.dunning import after_payment
from argus.billing.invoices import (
    ACTIONS,
    STATES,
    get_invoice,
    invoice_dict,
    list_invoices,
    run_invoices,
    transition,
)
from argus.platform.billing.answers import csv_response, invoice_page, wants_csv
from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.platform.core.errors import Invalid, NotFound
from argus.platform.core.settings import Settings
from argus.tenants.service import TenantService

log = structlog.get_logger("argus.provider")


class InvoiceRun(msgspec.Struct, forbid_unknown_fields=True):
    period: Annotated[str, msgspec.Meta(min_length=7, max_length=7)]


class ProviderInvoiceController(Controller):
    path = "/invoices"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @post("/run", summary="Draft every tenant's invoice for a month (rerun: refresh drafts)",
          status_code=200)
    async def run(self, data: JSONBody[InvoiceRun], dbs: Provided[Databases]) -> dict[str, Any]:
        result = await run_invoices(dbs, data.period)
        log.info("invoices.run", **result)
        return result

    @get("/", summary="Invoices, newest month first (filters: tenant, period, state)")
    async def list_all(
        self, request: Request[Any, Any, Any], dbs: Provided[Databases],
        tenant_service: Provided[TenantService],
        tenant: FromQuery[str | None] = None, period: FromQuery[str | None] = None,
        state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 50,
        fmt: Annotated[str | None, QueryParameter(name="format")] = None,
    ) -> Any:
        if state_filter is not None and state_filter not in STATES:
            raise Invalid(f"state must be one of {', '.join(STATES)}", field="state")
        tenant_id = (await tenant_service.get(tenant)).id if tenant else None
        states = (state_filter,) if state_filter else STATES
        items, next_cursor = await list_invoices(dbs, tenant_id=tenant_id, period=period,
                                                 states=states, cursor=cursor, limit=limit)
        if wants_csv(request, fmt):
            return csv_response(items, f"invoices-{period or 'all'}")
        return invoice_page(items, next_cursor)

    @get("/{invoice_id:str}", summary="One invoice with its line items (JSON or CSV)")
    async def show(self, request: Request[Any, Any, Any], invoice_id: FromPath[str],
                   dbs: Provided[Databases],
                   fmt: Annotated[str | None, QueryParameter(name="format")] = None) -> Any:
        invoice, slug = await get_invoice(dbs, invoice_id)
        if wants_csv(request, fmt):
            return csv_response([(invoice, slug)], f"invoice-{slug}-{invoice.period}")
        return invoice_dict(invoice, slug)

    @post("/{invoice_id:str}/{action:str}", status_code=200,
          summary="finalize, void or mark-paid (repeating a done action changes nothing)")
    async def act(self, invoice_id: FromPath[str], action: FromPath[str],
                  dbs: Provided[Databases], settings: Provided[Settings],
                  tenant_service: Provided[TenantService]) -> Response[dict[str, Any]]:
        if action not in ACTIONS:
            raise NotFound(f"no action {action!r} (actions: {', '.join(ACTIONS)})",
                           field="action")
        await transition(dbs, invoice_id, action, settings.billing.grace_days)
        invoice, slug = await get_invoice(dbs, invoice_id)
        log.info("invoice.moved", invoice=invoice_id, tenant=slug, state=invoice.state)
        if action == "mark-paid":
            async def set_state(tenant_slug: str, state: str) -> None:
                await tenant_service.update(tenant_slug, state=state)

            await after_payment(dbs, invoice, slug, set_state)
        return Response(invoice_dict(invoice, slug))
