"""An invoice's line items from a month's plan history and usage: pure arithmetic, exact
(``Fraction``) until each line is rounded half up to the minor unit.

The month is cut into segments, one per plan the tenant was on (a mid-month change splits it at
the change's instant). Per segment:

- **cameras**: for each UTC day, the billable cameras that day beyond ``included_cameras``;
  camera-days × ``price_per_camera_month`` / days in the month. A day belongs to the plan in
  force at its start (a change at 14:00 prices that day at the old plan).
- **storage**: GB-months = byte-hours / 10⁹ / hours in the month; beyond ``storage_included_gb``
  prorated by the segment's share of the month, × ``storage_overage_per_gb_month``.
- **egress**: GB = bytes / 10⁹ beyond ``egress_included_gb`` prorated the same way, ×
  ``egress_overage_per_gb``.
- **clip exports**: counted, not priced (the plan caps them).

Lines with nothing to show are left out; totals are the sum of the rounded lines.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from argus.billing.plans import Limits

GB = 10**9


@dataclass(frozen=True)
class Segment:
    """``limits`` were in force from ``start`` (inclusive) to ``end`` (exclusive)."""

    limits: Limits
    start: datetime
    end: datetime


@dataclass
class Usage:
    """What the ledger holds for the month, by the instant or day it happened."""

    cameras_by_day: dict[date, int] = field(default_factory=dict)
    byte_hours: list[tuple[datetime, int]] = field(default_factory=list)  # (hour, byte-hours)
    egress: list[tuple[datetime, int]] = field(default_factory=list)  # (when, bytes)
    clip_exports: int = 0


@dataclass(frozen=True)
class Line:
    kind: str  # cameras / storage / egress / clip_exports
    plan: str
    description: str
    quantity: str  # exact, as text: "45.5 camera-days"
    unit_amount: int  # minor units per unit (per camera-month, per GB-month, per GB)
    amount: int  # minor units, rounded half up


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → its first instant and the next month's, in UTC."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", period):
            raise ValueError(period)
        year, month = (int(p) for p in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"period must be YYYY-MM, not {period!r}") from None
    days = calendar.monthrange(year, month)[1]
    return start, start + timedelta(days=days)


def segments(history: list[tuple[Limits, datetime]], start: datetime,
             end: datetime) -> list[Segment]:
    """The plans in force within ``start``..``end`` from ``(limits, effective_at)`` in time
    order (the last change before ``start`` covers the beginning)."""
    cuts: list[Segment] = []
    for index, (limits, at) in enumerate(history):
        until = history[index + 1][1] if index + 1 < len(history) else end
        lo, hi = max(at, start), min(until, end)
        if lo < hi:
            cuts.append(Segment(limits, lo, hi))
    return cuts


def _round(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def _text(value: Fraction) -> str:
    exact = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return exact or "0"


def price(period: str, history: list[tuple[Limits, datetime]], usage: Usage) -> list[Line]:
    start, end = month_bounds(period)
    month_days = (end - start).days
    month_hours = month_days * 24
    lines: list[Line] = []
    for seg in segments(history, start, end):
        plan = seg.limits
        share = Fraction(int((seg.end - seg.start).total_seconds()),
                         int((end - start).total_seconds()))
        days = [d for d in usage.cameras_by_day
                if seg.start <= datetime.combine(d, datetime.min.time(), UTC) < seg.end]
        camera_days = sum(max(0, usage.cameras_by_day[d] - plan.included_cameras) for d in days)
        if camera_days:
            amount = Fraction(camera_days * plan.price_per_camera_month, month_days)
            lines.append(Line("cameras", plan.name,
                              f"cameras beyond {plan.included_cameras} included, "
                              f"{seg.start.date()}..{(seg.end - timedelta(seconds=1)).date()}",
                              f"{camera_days} camera-days", plan.price_per_camera_month,
                              _round(amount)))
        stored = sum(v for at, v in usage.byte_hours if seg.start <= at < seg.end)
        gb_months = Fraction(stored, GB * month_hours)
        over = gb_months - plan.storage_included_gb * share
        if stored:
            lines.append(Line("storage", plan.name,
                              f"storage beyond {_text(plan.storage_included_gb * share)} "
                              "GB-month included", f"{_text(gb_months)} GB-month",
                              plan.storage_overage_per_gb_month,
                              _round(max(over, Fraction(0)) *
                                     plan.storage_overage_per_gb_month)))
        sent = sum(v for at, v in usage.egress if seg.start <= at < seg.end)
        gb = Fraction(sent, GB)
        over = gb - plan.egress_included_gb * share
        if sent:
            lines.append(Line("egress", plan.name,
                              f"delivery beyond {_text(plan.egress_included_gb * share)} GB "
                              "included", f"{_text(gb)} GB", plan.egress_overage_per_gb,
                              _round(max(over, Fraction(0)) * plan.egress_overage_per_gb)))
    if usage.clip_exports:
        last = history[-1][0].name if history else ""
        lines.append(Line("clip_exports", last, "clip exports", f"{usage.clip_exports} exports",
                          0, 0))
    return lines
