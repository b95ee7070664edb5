"""``stored_byte_hours``: each tenant's bytes per storage tier, once an hour, straight into the
ledger (the fact and the ledger are both in the control schema) with the key
``<tier>:<YYYY-MM-DDTHH>``, so a rerun of an hour adds nothing. Hours the worker missed (it was
down) are filled with the bytes it finds now, up to ``CATCH_UP_HOURS`` back. GB-months are
byte-hours / 10⁹ / hours in the month."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from argus.billing.ledger import UsageEvent, append_events
from argus.billing.usage import StorageTier
from argus.platform.core.db import Databases, utcnow

METER = "stored_byte_hours"
CATCH_UP_HOURS = 48


def hour_key(tier: str, hour: datetime) -> str:
    return f"{tier}:{hour:%Y-%m-%dT%H}"


async def snapshot_storage(dbs: Databases, now: datetime | None = None) -> int:
    """Record the hours since the last snapshot (this one included); new ledger rows."""
    now = now or utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    async with dbs.control_session() as control:
        last_day = await control.scalar(select(func.max(UsageEvent.day)).where(
            UsageEvent.meter == METER))  # by the (meter, day) index, then within that day
        last = None if last_day is None else await control.scalar(
            select(func.max(UsageEvent.created_at)).where(UsageEvent.meter == METER,
                                                          UsageEvent.day == last_day))
        first = hour - timedelta(hours=CATCH_UP_HOURS - 1)
        if last is not None:
            first = max(first, min(hour, last.replace(minute=0, second=0, microsecond=0)))
        hours = []
        cursor = first
        while cursor <= hour:
            hours.append(cursor)
            cursor += timedelta(hours=1)
        tiers = (await control.execute(select(StorageTier.tenant_id, StorageTier.tier,
                                              StorageTier.bytes)
                                       .where(StorageTier.bytes > 0))).all()
        rows = [{"tenant_id": tenant_id, "meter": METER, "idempotency_key": hour_key(tier, h),
                 "day": h.date(), "seconds": 3600.0, "bytes": size, "created_at": h}
                for h in hours for tenant_id, tier, size in tiers]
        fresh = await append_events(control, rows)
        await control.commit()
    return len(fresh)
