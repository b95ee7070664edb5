"""``argus billing reconcile --period YYYY-MM``: every meter that can be recomputed from the raw
facts, recomputed and compared with the ledger (and the outbox, for rows not drained yet), key
by key, per tenant:

- ``camera_minutes``: the closed stream sessions cut at UTC midnights (key
  ``<session>:<day>``, seconds);
- ``recording``: the ready recordings that started in the month (key: the recording's source,
  seconds and bytes);
- ``clip_exports``: the clips requested in the month (key: the clip id).

A fact with no event is ``missing``; an event whose amount differs from its fact is
``differing``; an event whose fact is gone since (a recording deleted by retention, a deleted
clip) is ``gone`` and not drift. ``cameras_billable``, ``stored_byte_hours``, ``egress_bytes``
and ``api_calls`` are counted from facts that are not kept (each day's enabled cameras, each
hour's bytes, the nodes' logs, the rate counters) and are not recomputed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from argus.billing.ledger import UsageEvent, UsageOutbox
from argus.billing.pricing import month_bounds
from argus.billing.sessions import StreamSession, split_by_day
from argus.platform.core.db import Databases
from argus.platform.recordings.models import Clip, Recording
from argus.tenants.context import TenantContext

METERS = ("camera_minutes", "recording", "clip_exports")
Amounts = dict[str, tuple[float, int]]  # key -> (seconds, bytes)


async def _facts(dbs: Databases, tenant: TenantContext, start: datetime,
                 end: datetime) -> dict[str, Amounts]:
    facts: dict[str, Amounts] = {meter: {} for meter in METERS}
    async with dbs.tenant_session(tenant) as session:
        for row in await session.scalars(select(StreamSession).where(
                StreamSession.ended_at.is_not(None), StreamSession.ended_at > start,
                StreamSession.started_at < end)):
            assert row.ended_at is not None
            for day, seconds in split_by_day(row.started_at, row.ended_at):
                if start.date() <= day < end.date():
                    facts["camera_minutes"][f"{row.id}:{day.isoformat()}"] = (seconds, 0)
        for rec in await session.scalars(select(Recording).where(
                Recording.state == "ready", Recording.started_at >= start,
                Recording.started_at < end)):
            facts["recording"][rec.source] = (rec.duration_s, rec.size_bytes)
        for clip_id in await session.scalars(select(Clip.id).where(
                Clip.created_at >= start, Clip.created_at < end)):
            facts["clip_exports"][clip_id] = (0.0, 0)
    return facts


async def _metered(dbs: Databases, tenant: TenantContext, start: datetime,
                   end: datetime) -> dict[str, Amounts]:
    metered: dict[str, Amounts] = {meter: {} for meter in METERS}
    first, last = start.date(), end.date()
    async with dbs.control_session() as control:
        for meter, key, seconds, size in (await control.execute(
                select(UsageEvent.meter, UsageEvent.idempotency_key, UsageEvent.seconds,
                       UsageEvent.bytes)
                .where(UsageEvent.tenant_id == tenant.id, UsageEvent.meter.in_(METERS),
                       UsageEvent.day >= first, UsageEvent.day < last))).all():
            metered[meter][key] = (seconds, size)
    async with dbs.tenant_session(tenant) as session:  # metered, not drained yet
        for meter, key, seconds, size in (await session.execute(
                select(UsageOutbox.meter, UsageOutbox.idempotency_key, UsageOutbox.seconds,
                       UsageOutbox.bytes)
                .where(UsageOutbox.meter.in_(METERS), UsageOutbox.day >= first,
                       UsageOutbox.day < last))).all():
            metered[meter].setdefault(key, (seconds, size))
    return metered


def _close(a: tuple[float, int], b: tuple[float, int]) -> bool:
    return abs(a[0] - b[0]) < 0.01 and a[1] == b[1]


async def reconcile_tenant(dbs: Databases, tenant: TenantContext,
                           period: str) -> list[dict[str, Any]]:
    """One row per meter: facts and events compared key by key."""
    start, end = month_bounds(period)
    facts = await _facts(dbs, tenant, start, end)
    metered = await _metered(dbs, tenant, start, end)
    out = []
    for meter in METERS:
        want, have = facts[meter], metered[meter]
        missing = sorted(set(want) - set(have))
        differing = sorted(k for k in set(want) & set(have) if not _close(want[k], have[k]))
        out.append({
            "tenant": tenant.slug, "meter": meter, "facts": len(want), "events": len(have),
            "expected_seconds": round(sum(v[0] for v in want.values()), 3),
            "metered_seconds": round(sum(v[0] for k, v in have.items() if k in want), 3),
            "expected_bytes": sum(v[1] for v in want.values()),
            "metered_bytes": sum(v[1] for k, v in have.items() if k in want),
            "missing": len(missing), "differing": len(differing),
            "gone": len(set(have) - set(want)),
            "examples": (missing + differing)[:5],
            "drift": bool(missing or differing),
        })
    return out
