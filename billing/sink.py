"""Export of usage and invoices to the provider's billing system (``ARGUS_BILLING_SINK``).

A ``BillingSink`` gets each ledger event once it is in the ledger and each invoice once it is
finalized; ``none`` (the default) keeps everything in Argus. ``export`` (a minutely cron) sends
what has not been sent — ledger rows and finalized invoices without a ``sink_exports`` row —
and records each one after the sink accepted it. A crash between the two sends it again with
the same idempotency key (the ledger key; ``<invoice id>:<line>``), which the billing system
dedupes, so nothing is billed twice and nothing is skipped. The tenant's customer id in the
billing system is kept in ``billing_customers``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import String, and_, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.invoices import Invoice
from argus.billing.ledger import UsageEvent
from argus.platform.core.db import ControlBase, Databases, UTCDateTime, utcnow
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.billing")
INVOICE = "invoice"  # the meter name of an exported invoice in sink_exports


class BillingCustomer(ControlBase):
    __tablename__ = "billing_customers"

    sink: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SinkExport(ControlBase):
    """One ledger event (or invoice, meter ``invoice``) the sink has accepted."""

    __tablename__ = "sink_exports"

    sink: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meter: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BillingSink(Protocol):
    name: str

    async def customer(self, tenant_id: str, slug: str, name: str) -> str:
        """Create the tenant's customer (idempotently); its id in the billing system."""

    async def usage(self, customer: str, event: UsageEvent) -> None:
        """Send one ledger event (its key is the idempotency key)."""

    async def invoice(self, customer: str, invoice: Invoice) -> None:
        """Send a finalized invoice's lines."""


async def _customer(dbs: Databases, sink: BillingSink, tenant_id: str) -> str | None:
    async with dbs.control_session() as control:
        known = await control.get(BillingCustomer, (sink.name, tenant_id))
        if known is not None:
            return known.external_id
        tenant = await control.get(Tenant, tenant_id)
        if tenant is None:
            return None
        slug, name = tenant.slug, tenant.name
    external = await sink.customer(tenant_id, slug, name)
    async with dbs.control_session() as control:
        await control.execute(insert(BillingCustomer).prefix_with("IGNORE").values(
            sink=sink.name, tenant_id=tenant_id, external_id=external, created_at=utcnow()))
        await control.commit()
    return external


async def _mark(dbs: Databases, sink: BillingSink, tenant_id: str, meter: str, key: str) -> None:
    async with dbs.control_session() as control:
        await control.execute(insert(SinkExport).prefix_with("IGNORE").values(
            sink=sink.name, tenant_id=tenant_id, meter=meter, idempotency_key=key,
            sent_at=utcnow()))
        await control.commit()


async def export(dbs: Databases, sink: BillingSink, limit: int = 1000,
                 tenant_id: str | None = None) -> dict[str, int]:
    """Send up to ``limit`` unsent ledger events and every unsent finalized invoice (of one
    tenant, or all)."""
    sent = {"events": 0, "invoices": 0}
    unsent = and_(SinkExport.sink == sink.name, SinkExport.tenant_id == UsageEvent.tenant_id,
                  SinkExport.meter == UsageEvent.meter,
                  SinkExport.idempotency_key == UsageEvent.idempotency_key)
    events_q = (select(UsageEvent).outerjoin(SinkExport, unsent)
                .where(SinkExport.sink.is_(None)).limit(limit))
    invoices_q = (select(Invoice).outerjoin(SinkExport, and_(
        SinkExport.sink == sink.name, SinkExport.tenant_id == Invoice.tenant_id,
        SinkExport.meter == INVOICE, SinkExport.idempotency_key == Invoice.id))
        .where(Invoice.state.in_(("finalized", "paid")), SinkExport.sink.is_(None)))
    if tenant_id is not None:
        events_q = events_q.where(UsageEvent.tenant_id == tenant_id)
        invoices_q = invoices_q.where(Invoice.tenant_id == tenant_id)
    async with dbs.control_session() as control:
        events = list(await control.scalars(events_q))
        invoices = list(await control.scalars(invoices_q))
    for event in events:
        customer = await _customer(dbs, sink, event.tenant_id)
        if customer is None:
            continue
        await sink.usage(customer, event)
        await _mark(dbs, sink, event.tenant_id, event.meter, event.idempotency_key)
        sent["events"] += 1
    for invoice in invoices:
        customer = await _customer(dbs, sink, invoice.tenant_id)
        if customer is None:
            continue
        await sink.invoice(customer, invoice)
        await _mark(dbs, sink, invoice.tenant_id, INVOICE, invoice.id)
        sent["invoices"] += 1
    if any(sent.values()):
        log.info("billing.exported", sink=sink.name, **sent)
    return sent
