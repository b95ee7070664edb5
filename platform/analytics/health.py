"""Stream health over time: ``sample`` stores what a node measured of its live streams (one
insert per tenant per reconcile), ``series`` averages a camera's samples per ``step`` seconds
for a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.analytics.models import CameraHealthSample

MAX_POINTS = 500


@dataclass(frozen=True)
class Sample:
    camera_id: str
    kbps: int | None
    fps: float | None
    width: int | None
    height: int | None


async def sample(session: AsyncSession, at: datetime, samples: list[Sample]) -> None:
    if samples:
        await session.execute(insert(CameraHealthSample), [
            {"camera_id": s.camera_id, "at": at, "kbps": s.kbps, "fps": s.fps,
             "width": s.width, "height": s.height} for s in samples])


def default_step(start: datetime, end: datetime) -> int:
    """Seconds per point: at least a minute, at most ``MAX_POINTS`` points."""
    return max(60, int((end - start).total_seconds() // MAX_POINTS) + 1)


@dataclass(frozen=True)
class Point:
    at: datetime  # the bucket's start
    kbps: float | None
    fps: float | None
    width: int | None
    height: int | None
    samples: int


async def series(session: AsyncSession, camera_id: str, start: datetime, end: datetime,
                 step: int) -> list[Point]:
    t = CameraHealthSample
    naive = start.replace(tzinfo=None)  # stored as naive UTC
    bucket = func.timestampdiff(literal_column("SECOND"), naive, t.at).op("DIV")(step)
    rows = (await session.execute(
        select(bucket.label("b"), func.avg(t.kbps), func.avg(t.fps), func.max(t.width),
               func.max(t.height), func.count())
        .where(t.camera_id == camera_id, t.at >= start, t.at < end)
        .group_by(literal_column("b")).order_by(literal_column("b")))).tuples().all()
    return [Point(start + timedelta(seconds=int(b) * step),
                  None if kbps is None else round(float(kbps), 1),
                  None if fps is None else round(float(fps), 2), width, height, count)
            for b, kbps, fps, width, height, count in rows]
