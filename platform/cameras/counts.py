"""The tenant's camera counts the dashboard shows: per status, in total, and recording now."""

from __future__ import annotations

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.cameras.models import STATUSES, Camera


async def camera_counts(session: AsyncSession) -> dict[str, int]:
    """``{"online": n, ..., "total": n, "recording": n}`` in one query."""
    rows = (await session.execute(
        select(Camera.status, func.count(), func.sum(cast(Camera.record, Integer)))
        .group_by(Camera.status))).all()
    counts = {status: 0 for status in STATUSES}
    recording = 0
    for status, count, recorded in rows:
        counts[status] = count
        if status == "online":
            recording = int(recorded or 0)
    return counts | {"total": sum(counts.values()), "recording": recording}
