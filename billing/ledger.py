"""Exactly-once usage: an outbox in the tenant schema, an append-only ledger in the control
schema.

A metered fact (a finalized recording, an exported clip) writes its ``usage_outbox`` row in the
*same* tenant transaction as the fact itself, keyed by ``(meter, idempotency key)`` — the
recording's ``source``, the clip's id — so "this was metered" commits or rolls back with the
fact. ``drain_outbox`` then moves a batch of rows into the control schema: one transaction
appends the new ones to the ``usage_events`` ledger (unique on tenant, meter and key; see
``append_events``) with their daily roll-ups (``usage_rollups``) and, for recordings and clips,
the tenant's storage; a second transaction deletes the outbox rows. A crash between the two
leaves them; the next drain finds them in the ledger, adds nothing and deletes them. Every
writer of the ledger goes through ``append_events``. Corrections are new events with their
own keys, never edits.
The finalizer drains right after its commit; the general worker sweeps every minute.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any

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
    tuple_,
)
from sqlalchemy.dialects.mysql import insert as upsert
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


class UsageRollup(ControlBase):
    """The ledger summed per tenant, meter and UTC day (``events``: how many), kept in the
    transaction that appends the events: what invoices and usage reports read."""

    __tablename__ = "usage_rollups"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meter: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


async def add_rollups(control: AsyncSession, rows: list[dict[str, Any]]) -> None:
    sums: dict[tuple[str, str, date], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for row in rows:
        total = sums[(row["tenant_id"], row["meter"], row["day"])]
        total[0] += 1
        total[1] += float(row["seconds"] or 0)
        total[2] += int(row["bytes"] or 0)
    values = [{"tenant_id": t, "meter": m, "day": d, "events": int(n), "seconds": sec,
               "bytes": int(b)} for (t, m, d), (n, sec, b) in sums.items()]
    for start in range(0, len(values), 1000):
        stmt = upsert(UsageRollup).values(values[start:start + 1000])
        await control.execute(stmt.on_duplicate_key_update(
            events=UsageRollup.events + stmt.inserted.events,
            seconds=UsageRollup.seconds + stmt.inserted.seconds,
            bytes=UsageRollup.bytes + stmt.inserted.bytes))


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
    """Move up to ``limit`` of this tenant's outbox rows into the ledger (one control
    transaction), then delete them; returns how many were new there."""
    maker = dbs.for_tenant(tenant)
    async with maker() as session:
        rows = list(await session.scalars(
            select(UsageOutbox).order_by(UsageOutbox.created_at).limit(limit)))
    if not rows:
        return 0
    fresh = await _to_ledger(dbs, tenant.id, rows)
    # A crash here leaves the outbox rows; the next drain finds them in the ledger.
    async with maker() as session:
        await session.execute(delete(UsageOutbox).where(
            UsageOutbox.id.in_([row.id for row in rows])))
        await session.commit()
    log.info("usage.drained", tenant=tenant.slug, rows=len(rows), new=len(fresh))
    return len(fresh)


async def _to_ledger(dbs: Databases, tenant_id: str,
                     rows: list[UsageOutbox]) -> list[dict[str, Any]]:
    """One control transaction: the new rows into the ledger and roll-ups, and for recordings
    and clips the tenant's storage."""
    events = [{"tenant_id": tenant_id, "meter": row.meter,
               "idempotency_key": row.idempotency_key, "day": row.day,
               "seconds": row.seconds, "bytes": row.bytes, "created_at": utcnow()}
              for row in rows]
    async with dbs.control_session() as control:
        fresh = await append_events(control, events)
        for event in fresh:  # facts that also move the tenant's storage counters
            if event["meter"] == "recording":
                await meter_recording(control, tenant_id, event["day"], event["seconds"],
                                      event["bytes"])
            elif event["meter"] == "clip":  # a clip's file: storage only, no recorded time
                await change_storage(control, tenant_id, event["bytes"], "clip")
        await control.commit()
    return fresh


async def append_events(control: AsyncSession,
                        rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ledger rows (dicts of ``UsageEvent``'s columns) to the caller's control transaction,
    each key once, and their sums to the daily roll-ups; returns the rows that were new.

    Keys already in the ledger are left out; the rest are inserted plainly, so two writers
    racing on one key cannot both count it: the second one's insert fails on the ledger's
    unique key and its whole transaction (roll-ups included) rolls back, to be retried by its
    next run, which finds the key there."""
    if not rows:
        return []
    keys = [(row["tenant_id"], row["meter"], row["idempotency_key"]) for row in rows]
    seen: set[tuple[str, str, str]] = set()
    for start in range(0, len(keys), 500):
        seen |= {(t, m, k) for t, m, k in (await control.execute(
            select(UsageEvent.tenant_id, UsageEvent.meter, UsageEvent.idempotency_key)
            .where(tuple_(UsageEvent.tenant_id, UsageEvent.meter,
                          UsageEvent.idempotency_key).in_(keys[start:start + 500])))).all()}
    fresh = []
    for row, key in zip(rows, keys, strict=True):
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    for start in range(0, len(fresh), 1000):
        await control.execute(insert(UsageEvent), fresh[start:start + 1000])
    await add_rollups(control, fresh)
    return fresh


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
