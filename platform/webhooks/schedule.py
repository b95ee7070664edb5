"""When a delivery is tried again: the Svix schedule (at once, then 5 s, 5 min, 30 min, 2 h,
5 h, 10 h, 10 h) unless ``ARGUS_WEBHOOK_RETRY_SCHEDULE`` gives the seconds before each attempt
(``0,5,300``); a receiver's ``Retry-After`` (seconds or an HTTP date) on a 429 or 503 wins when
it asks for longer."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

SVIX = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_RETRY_AFTER = 86400


def parse_schedule(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return SVIX
    try:
        delays = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ValueError("ARGUS_WEBHOOK_RETRY_SCHEDULE is comma-separated whole seconds, "
                         "e.g. 0,5,300") from None
    if not delays or any(d < 0 for d in delays):
        raise ValueError("ARGUS_WEBHOOK_RETRY_SCHEDULE needs at least one delay, none negative")
    return delays


def retry_after(value: str | None, now: datetime) -> int | None:
    """Seconds a ``Retry-After`` header asks for (capped at a day), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, min(int((when - now).total_seconds()), MAX_RETRY_AFTER))


def next_delay(schedule: tuple[int, ...], attempts_made: int, status: int | None,
               asked: int | None) -> int | None:
    """Seconds before the next attempt after ``attempts_made`` failed ones; None: give up."""
    if attempts_made >= len(schedule):
        return None
    delay = schedule[attempts_made]
    if status in (429, 503) and asked is not None:
        delay = max(delay, asked)
    return delay
