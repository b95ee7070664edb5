"""Usage over time from the ledger's daily roll-ups: per day or month, each meter as the
figure it adds up to.

``recording`` → ``recorded_seconds`` and ``recorded_bytes``; ``clip`` → ``clip_bytes``;
``clip_exports`` → a count; ``camera_minutes`` → minutes; ``cameras_billable`` →
``camera_days`` (per day: the cameras billable that day); ``stored_byte_hours`` →
``stored_gb_hours`` (÷ hours in the month: GB-months); ``egress_bytes`` → ``egress_bytes``
(HLS delivered); ``api_calls`` → a count of calls. Periods with no usage are listed
with zeros, so a chart has every day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from argus.billing.ledger import UsageRollup
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.errors import Invalid

GRANULARITIES = ("day", "month")
MAX_DAYS = 400
FIGURES = ("camera_minutes", "camera_days", "recorded_seconds", "recorded_bytes", "clip_bytes",
           "clip_exports", "stored_gb_hours", "egress_bytes", "api_calls")


def parse_range(start: str | None, end: str | None, granularity: str, today: date
                ) -> tuple[date, date]:
    """``from``/``to`` (ISO dates, inclusive; default: this month so far), checked."""
    if granularity not in GRANULARITIES:
        raise Invalid("granularity must be day or month", field="granularity")
    try:
        first = date.fromisoformat(start) if start else today.replace(day=1)
    except ValueError:
        raise Invalid("from must be a date (YYYY-MM-DD)", field="from") from None
    try:
        last = date.fromisoformat(end) if end else today
    except ValueError:
        raise Invalid("to must be a date (YYYY-MM-DD)", field="to") from None
    if last < first:
        raise Invalid("to must not be before from", field="to")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"a report covers at most {MAX_DAYS} days", field="to")
    return first, last


def _period(day: date, granularity: str) -> str:
    return day.isoformat() if granularity == "day" else day.strftime("%Y-%m")


async def usage_report(dbs: Databases, tenant_id: str, first: date, last: date,
                       granularity: str) -> list[dict[str, Any]]:
    async with dbs.control_session() as control:
        rows = (await control.execute(
            select(UsageRollup.day, UsageRollup.meter, UsageRollup.events,
                   UsageRollup.seconds, UsageRollup.bytes)
            .where(UsageRollup.tenant_id == tenant_id, UsageRollup.day >= first,
                   UsageRollup.day <= last))).all()
    periods: dict[str, dict[str, Any]] = {}
    day = first
    while day <= last:
        periods.setdefault(_period(day, granularity), dict.fromkeys(FIGURES, 0))
        day += timedelta(days=1)
    for day, meter, count, seconds, size in rows:
        out = periods[_period(day, granularity)]
        if meter == "recording":
            out["recorded_seconds"] += float(seconds or 0)
            out["recorded_bytes"] += int(size or 0)
        elif meter == "clip":
            out["clip_bytes"] += int(size or 0)
        elif meter == "clip_exports":
            out["clip_exports"] += count
        elif meter == "camera_minutes":
            out["camera_minutes"] += float(seconds or 0) / 60
        elif meter == "cameras_billable":
            out["camera_days"] += count
        elif meter == "stored_byte_hours":
            out["stored_gb_hours"] += float(size or 0) / 1e9
        elif meter == "egress_bytes":
            out["egress_bytes"] += int(size or 0)
        elif meter == "api_calls":
            out["api_calls"] += int(seconds or 0)  # a row holds a count of calls
    return [{"period": key, **{k: (round(v, 3) if isinstance(v, float) else v)
                               for k, v in values.items()}}
            for key, values in periods.items()]


async def usage_answer(dbs: Databases, tenant_id: str, slug: str, start: str | None,
                       end: str | None, granularity: str) -> dict[str, Any]:
    """The usage report as both APIs answer it."""
    first, last = parse_range(start, end, granularity, utcnow().date())
    return {"tenant": slug, "from": first.isoformat(), "to": last.isoformat(),
            "granularity": granularity,
            "items": await usage_report(dbs, tenant_id, first, last, granularity)}
