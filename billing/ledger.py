"""Exactly-once usage: an outbox in the tenant schema, an append-only ledger in the control
schema.

A metered fact (a finalized recording, an exported clip) writes its ``usage_outbox`` row in the
*same* tenant transaction as the fact itself, keyed by ``(meter, idempotency key)`` — the
recording's ``source``, the clip's id — so "this was metered" commits or rolls back with the
fact. ``drain_outbox`` then moves each row into the control schema: one transaction inserts
the ``usage_events`` ledger row (unique on tenant, meter and key) and, only when that insert
is new, adds it to the daily aggregate and the tenant's storage; a second transaction deletes
the outbox row. A crash between the two leaves the outbox row; the next drain finds its ledger
row, adds nothing and deletes it. Corrections are new events with their own keys, never edits.
The finalizer drains right after its commit; the general worker sweeps every minute.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import structlog
from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Index,
    String,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.usage import change_storage, meter_recording
from argus.platform.core.db import ControlBase, Databases, TenantBase, UTCDateTime, utcnow
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.billing")
METERS = ("recording", "clip", "clip_exports", "camera_minutes", "cameras_billable",
          "egress_bytes", "api_calls")


class UsageOutbox(TenantBase):
    __tablename__ = "usage_outbox"
    __table_args__ = (UniqueConstraint("meter", "idempotency_key", name="uq_usage_outbox_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    meter: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(191))
    day: Mapped[date] = mapped_column(Date)
    seconds: Mapped[float] = mapped_column(Float, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UsageEvent(ControlBase):
    """The ledger: append-only, one row per metered fact."""

    __tablename__ = "usage_events"
    __table_args__ = (Index("ix_usage_events_meter_day", "meter", "day"),)

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meter: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    seconds: Mapped[float] = mapped_column(Float, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def record_usage(session: AsyncSession, meter: str, key: str, day: date, seconds: float,
                 size: int) -> None:
    """Add the outbox row to the caller's tenant transaction (commit it with the fact)."""
    if meter not in METERS:
        raise ValueError(f"unknown meter {meter!r}")
    session.add(UsageOutbox(meter=meter, idempotency_key=key, day=day, seconds=seconds,
                            bytes=size, created_at=utcnow()))


async def record_counts(session: AsyncSession, meter: str, keys: list[str], day: date) -> None:
    """Outbox rows for facts that are counted, not summed (``cameras_billable``: one key per
    camera and day)."""
    await record_amounts(session, meter, [(key, day, 0.0, 0) for key in keys])


async def record_amounts(session: AsyncSession, meter: str,
                         rows: list[tuple[str, date, float, int]]) -> None:
    """Outbox rows ``(key, day, seconds, bytes)`` for facts that may be recorded again (a redone
    chunk of a log, a cron's second pass): a key already waiting in the outbox is left as it
    is, one already in the ledger is dropped by the drain."""
    if meter not in METERS:
        raise ValueError(f"unknown meter {meter!r}")
    if rows:
        now = utcnow()
        await session.execute(insert(UsageOutbox).prefix_with("IGNORE"), [
            {"id": str(uuid.uuid4()), "meter": meter, "idempotency_key": key, "day": day,
             "seconds": seconds, "bytes": size, "created_at": now}
            for key, day, seconds, size in rows])


async def drain_outbox(dbs: Databases, tenant: TenantContext, limit: int = 500) -> int:
    """Move this tenant's outbox into the ledger; returns how many rows were new there."""
    maker = dbs.for_tenant(tenant)
    async with maker() as session:
        rows = list(await session.scalars(
            select(UsageOutbox).order_by(UsageOutbox.created_at).limit(limit)))
    new = 0
    for row in rows:
        if await _to_ledger(dbs, tenant.id, row):
            new += 1
        async with maker() as session:
            await session.execute(delete(UsageOutbox).where(UsageOutbox.id == row.id))
            await session.commit()
    if rows:
        log.info("usage.drained", tenant=tenant.slug, rows=len(rows), new=new)
    return new


async def _to_ledger(dbs: Databases, tenant_id: str, row: UsageOutbox) -> bool:
    async with dbs.control_session() as control:
        control.add(UsageEvent(tenant_id=tenant_id, meter=row.meter,
                               idempotency_key=row.idempotency_key, day=row.day,
                               seconds=row.seconds, bytes=row.bytes, created_at=utcnow()))
        try:
            await control.flush()
        except IntegrityError:  # drained before (a crash before the outbox delete)
            await control.rollback()
            return False
        if row.meter == "recording":
            await meter_recording(control, tenant_id, row.day, row.seconds, row.bytes)
        elif row.meter == "clip":  # a clip's file: storage only, no recorded time
            await change_storage(control, tenant_id, row.bytes, "clip")
        # clip_exports (one per export requested), camera_minutes (seconds live): the ledger
        # alone
        await control.commit()
        return True


async def count_since(dbs: Databases, tenant: TenantContext, meter: str, since: date) -> int:
    """Events of ``meter`` from ``since`` on, in the ledger or still in the outbox (each key
    once: a row being drained is in both for a moment)."""
    async with dbs.for_tenant(tenant)() as session:
        pending = set(await session.scalars(select(UsageOutbox.idempotency_key).where(
            UsageOutbox.meter == meter, UsageOutbox.day >= since)))
    async with dbs.control_session() as control:
        query = select(func.count()).select_from(UsageEvent).where(
            UsageEvent.tenant_id == tenant.id, UsageEvent.meter == meter,
            UsageEvent.day >= since)
        if pending:
            query = query.where(UsageEvent.idempotency_key.not_in(pending))
        drained = await control.scalar(query)
    return (drained or 0) + len(pending)
