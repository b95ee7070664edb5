"""Invoices (control schema): one per tenant and month, drafted from the plan history and the
ledger, then finalized, paid or voided by the provider.

``run_invoices(period)`` prices every tenant that existed in the month (``pricing.price``)
and writes one *draft* per tenant: a rerun refreshes the drafts whose lines changed and never
touches a finalized, paid or voided invoice, so running it twice changes nothing. Runs are
serialized by a named lock. ``open_period`` holds the period while the invoice is not void
and is unique per tenant: one live invoice per tenant and month (a voided month can be run
again for a fresh draft). Finalizing freezes the lines (they are never recomputed after) and
sets ``due_at``; ``billing.dunning`` reminds and suspends when it passes unpaid.

Usage is read from the daily roll-ups for all tenants at once (storage per hour from the ledger
only for tenants whose plan changed during the month), which keeps a 10,000-tenant run to a
few queries.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.ledger import UsageEvent, UsageRollup
from argus.billing.plans import Limits, Plan, TenantPlanChange
from argus.billing.pricing import Usage, month_bounds, price
from argus.platform.core.db import ControlBase, Databases, UTCDateTime, utcnow
from argus.platform.core.errors import Conflict, Invalid, NotFound, ServiceUnavailable
from argus.tenants.models import Tenant

STATES = ("draft", "finalized", "paid", "void")
TENANT_VISIBLE = ("finalized", "paid", "void")  # a draft is the provider's
ACTIONS = {"finalize": ("draft",), "void": ("draft", "finalized"), "mark-paid": ("finalized",)}
DONE = {"finalize": "finalized", "void": "void", "mark-paid": "paid"}
EGRESS_METER = "egress_bytes"
INVOICED = ("cameras_billable", "stored_byte_hours", EGRESS_METER, "clip_exports")


class Invoice(ControlBase):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("tenant_id", "open_period", name="uq_invoices_open"),
                      Index("ix_invoices_period_state", "period", "state"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           index=True)
    period: Mapped[str] = mapped_column(String(7))
    open_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def check_period(period: str, now: datetime) -> tuple[datetime, datetime]:
    try:
        start, end = month_bounds(period)
    except ValueError as exc:
        raise Invalid(str(exc), field="period") from None
    if start > now:
        raise Invalid("period has not started yet", field="period")
    return start, end


async def _bulk_usage(control: AsyncSession, start: datetime, end: datetime,
                      hourly_for: set[str]) -> dict[str, Usage]:
    """Every tenant's month from the daily roll-ups (and, for tenants whose plan changed
    during the month, their storage by the hour from the ledger)."""
    first, last = start.date(), (end - timedelta(days=1)).date()
    usage: dict[str, Usage] = defaultdict(Usage)
    for tenant_id, meter, day, events, size in (await control.execute(
            select(UsageRollup.tenant_id, UsageRollup.meter, UsageRollup.day,
                   UsageRollup.events, UsageRollup.bytes)
            .where(UsageRollup.meter.in_(INVOICED), UsageRollup.day >= first,
                   UsageRollup.day <= last))).all():
        month = usage[tenant_id]
        if meter == "cameras_billable":
            month.cameras_by_day[day] = events
        elif meter == EGRESS_METER:
            month.egress.append((_midnight(day), size))
        elif meter == "clip_exports":
            month.clip_exports += events
        elif tenant_id not in hourly_for:  # stored_byte_hours
            month.byte_hours.append((_midnight(day), size))
    if hourly_for:  # a plan changed mid-month: the storage of each hour goes to its plan
        for tenant_id, hour, size in (await control.execute(
                select(UsageEvent.tenant_id, UsageEvent.created_at, func.sum(UsageEvent.bytes))
                .where(UsageEvent.tenant_id.in_(hourly_for),
                       UsageEvent.meter == "stored_byte_hours",
                       UsageEvent.day >= first, UsageEvent.day <= last)
                .group_by(UsageEvent.tenant_id, UsageEvent.created_at))).all():
            usage[tenant_id].byte_hours.append((hour, int(size or 0)))
    return usage


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _history(changes: list[TenantPlanChange], plans: dict[str, Limits], current: str,
             created: datetime) -> list[tuple[Limits, datetime]]:
    """The tenant's plans in time order (a plan since deleted prices at nothing)."""
    rows = [(plans.get(c.plan, Limits(c.plan)), c.effective_at) for c in changes]
    return rows or [(plans.get(current, Limits(current)), created)]


def _lines(lines: list[Any]) -> list[dict[str, Any]]:
    return [asdict(line) for line in lines]


async def run_invoices(dbs: Databases, period: str, now: datetime | None = None
                       ) -> dict[str, Any]:
    """Draft (or refresh the draft of) every tenant's invoice for ``period``; what changed."""
    now = now or utcnow()
    start, end = check_period(period, now)
    counts = {"created": 0, "refreshed": 0, "unchanged": 0, "final": 0}
    async with dbs.control_session() as control:
        if await control.scalar(text("SELECT GET_LOCK(:n, 60)"),
                                {"n": f"{dbs.settings.control_schema}:invoices"}) != 1:
            raise ServiceUnavailable("another invoice run is under way; retry shortly",
                                     code="invoice_run_busy")
        try:
            tenants = (await control.execute(
                select(Tenant.id, Tenant.plan, Tenant.created_at)
                .where(Tenant.state != "deleting", Tenant.created_at < end))).all()
            plans = {row.name: Limits.of(row) for row in await control.scalars(select(Plan))}
            changes: dict[str, list[TenantPlanChange]] = defaultdict(list)
            for change in await control.scalars(
                    select(TenantPlanChange).where(TenantPlanChange.effective_at < end)
                    .order_by(TenantPlanChange.effective_at, TenantPlanChange.id)):
                changes[change.tenant_id].append(change)
            moved = {tid for tid, rows in changes.items()
                     if any(start < c.effective_at < end for c in rows)}
            usage = await _bulk_usage(control, start, end, moved)
            existing = {inv.tenant_id: inv for inv in await control.scalars(
                select(Invoice).where(Invoice.open_period == period))}
            fresh = []
            for tenant_id, plan, created in tenants:
                history = _history(changes.get(tenant_id, []), plans, plan, created)
                lines = _lines(price(period, history, usage.get(tenant_id, Usage())))
                total = sum(line["amount"] for line in lines)
                currency = history[-1][0].currency
                invoice = existing.get(tenant_id)
                if invoice is None:
                    fresh.append({"id": str(uuid.uuid4()), "tenant_id": tenant_id,
                                  "period": period, "open_period": period, "state": "draft",
                                  "currency": currency, "total": total, "lines": lines,
                                  "created_at": now, "updated_at": now})
                    counts["created"] += 1
                elif invoice.state != "draft":
                    counts["final"] += 1
                elif (invoice.lines, invoice.total, invoice.currency) != (lines, total,
                                                                          currency):
                    invoice.lines, invoice.total, invoice.currency = lines, total, currency
                    invoice.updated_at = now
                    counts["refreshed"] += 1
                else:
                    counts["unchanged"] += 1
            for batch in range(0, len(fresh), 1000):
                await control.execute(insert(Invoice), fresh[batch:batch + 1000])
            await control.commit()
        finally:
            await control.execute(text("SELECT RELEASE_LOCK(:n)"),
                                  {"n": f"{dbs.settings.control_schema}:invoices"})
    return {"period": period, **counts}


async def transition(dbs: Databases, invoice_id: str, action: str, grace_days: int,
                     now: datetime | None = None) -> Invoice:
    """``finalize`` (draft → finalized, due in ``grace_days``), ``void`` (draft or finalized),
    ``mark-paid`` (finalized → paid). Repeating an action that is already done answers the
    invoice unchanged; any other move is a 409 naming the state."""
    now = now or utcnow()
    async with dbs.control_session() as control:
        invoice = await control.get(Invoice, invoice_id, with_for_update=True)
        if invoice is None:
            raise NotFound(f"invoice {invoice_id!r} not found", field="id")
        if invoice.state == DONE[action]:
            return invoice
        if invoice.state not in ACTIONS[action]:
            raise Conflict(f"a {invoice.state} invoice cannot be {DONE[action]}",
                           field="state", code="invoice_state")
        if action == "finalize":
            if month_bounds(invoice.period)[1] > now:
                raise Conflict(f"{invoice.period} is not over yet; finalize it after it ends",
                               field="period", code="invoice_state")
            invoice.finalized_at = now
            invoice.due_at = now + timedelta(days=grace_days)
        elif action == "void":
            invoice.voided_at, invoice.open_period = now, None
        else:
            invoice.paid_at = now
        invoice.state, invoice.updated_at = DONE[action], now
        await control.commit()
        return invoice


async def get_invoice(dbs: Databases, invoice_id: str, tenant_id: str | None = None,
                      visible: tuple[str, ...] = STATES) -> tuple[Invoice, str]:
    """The invoice and its tenant's slug; 404 when it is not the given tenant's (or not in a
    ``visible`` state): another tenant's invoice does not exist for a tenant."""
    async with dbs.control_session() as control:
        found = (await control.execute(
            select(Invoice, Tenant.slug).join(Tenant, Tenant.id == Invoice.tenant_id)
            .where(Invoice.id == invoice_id))).first()
    if found is None or (tenant_id is not None and found[0].tenant_id != tenant_id) \
            or found[0].state not in visible:
        raise NotFound(f"invoice {invoice_id!r} not found", field="id")
    return found[0], found[1]


async def list_invoices(dbs: Databases, *, tenant_id: str | None = None,
                        period: str | None = None, states: tuple[str, ...] = STATES,
                        cursor: str | None = None, limit: int = 50
                        ) -> tuple[list[tuple[Invoice, str]], str | None]:
    """Newest period first, then by id; ``cursor`` is the last item's ``period/id``."""
    if period is not None:
        check_period(period, utcnow())
    query = (select(Invoice, Tenant.slug).join(Tenant, Tenant.id == Invoice.tenant_id)
             .where(Invoice.state.in_(states)))
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if period is not None:
        query = query.where(Invoice.period == period)
    if cursor:
        after_period, _, after_id = cursor.partition("/")
        if not after_id:
            raise Invalid("cursor is not one this API gave", field="cursor")
        query = query.where((Invoice.period < after_period) |
                            ((Invoice.period == after_period) & (Invoice.id > after_id)))
    async with dbs.control_session() as control:
        rows = [(inv, slug) for inv, slug in (await control.execute(
            query.order_by(Invoice.period.desc(), Invoice.id).limit(limit + 1))).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (f"{rows[-1][0].period}/{rows[-1][0].id}" if more else None)


def invoice_dict(invoice: Invoice, slug: str) -> dict[str, Any]:
    return {"id": invoice.id, "tenant": slug, "period": invoice.period,
            "state": invoice.state, "currency": invoice.currency, "total": invoice.total,
            "lines": invoice.lines, "created_at": invoice.created_at,
            "updated_at": invoice.updated_at, "finalized_at": invoice.finalized_at,
            "due_at": invoice.due_at, "paid_at": invoice.paid_at,
            "voided_at": invoice.voided_at}


CSV_COLUMNS = ("invoice", "tenant", "period", "state", "currency", "kind", "plan",
               "description", "quantity", "unit_amount", "amount")


def invoices_csv(items: list[tuple[Invoice, str]]) -> str:
    """One row per line item (and a ``total`` row per invoice), amounts in minor units."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for invoice, slug in items:
        head = (invoice.id, slug, invoice.period, invoice.state, invoice.currency)
        for line in invoice.lines:
            writer.writerow((*head, line["kind"], line["plan"], line["description"],
                             line["quantity"], line["unit_amount"], line["amount"]))
        writer.writerow((*head, "total", "", "", "", "", invoice.total))
    return out.getvalue()
