"""The analytics answers, computed from the availability history: one camera's window
(uptime, outages) and the tenant's dashboard (cameras by status now, fleet uptime over 24 h,
7 d and 30 d, open incidents, the least reliable cameras over 7 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.incidents import OPEN
from argus.platform.alerts.models import Incident
from argus.platform.analytics.health import MAX_POINTS, Point, default_step, series
from argus.platform.analytics.history import Outage, Timeline, timelines
from argus.platform.cameras.counts import camera_counts
from argus.platform.cameras.models import Camera
from argus.platform.core.errors import Invalid, NotFound

MAX_WINDOW = timedelta(days=400)
DEFAULT_WINDOW = timedelta(hours=24)
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
LEAST_RELIABLE = 5
MIN_STEP = 5


def parse_time(raw: str | None, name: str) -> datetime | None:
    """An ISO 8601 time from a query parameter (``Z`` or an offset; naive means UTC)."""
    if raw is None or raw == "":
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Invalid(f"{name} must be an ISO 8601 time such as 2026-12-01T00:00:00Z",
                      field=name) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime,
                                                                               datetime]:
    """[from, to) of a request: ``to`` defaults to now (and is never later), ``from`` to
    ``DEFAULT_WINDOW`` before it; at most ``MAX_WINDOW`` long."""
    end = min(end or now, now)
    start = start or end - DEFAULT_WINDOW
    if start >= end:
        raise Invalid("from must be before to (and before now)", field="from")
    if end - start > MAX_WINDOW:
        raise Invalid(f"the window is at most {MAX_WINDOW.days} days", field="from")
    return start, end


@dataclass(frozen=True)
class CameraReport:
    camera_id: str
    name: str
    start: datetime
    end: datetime
    timeline: Timeline
    step: int
    health: list[Point]

    @property
    def outages(self) -> list[Outage]:
        return self.timeline.outages()


async def camera_report(session: AsyncSession, camera_id: str, start: datetime,
                        end: datetime, step: int | None = None) -> CameraReport:
    """The camera's timeline and health series (``step`` seconds a point; default: a
    minute or more, at most ``MAX_POINTS`` points)."""
    if step is not None and not MIN_STEP <= step <= 86400:
        raise Invalid(f"step is {MIN_STEP} to 86400 seconds", field="step")
    step = step or default_step(start, end)
    if (end - start).total_seconds() / step > 10 * MAX_POINTS:
        raise Invalid(f"step gives more than {10 * MAX_POINTS} points for the window",
                      field="step")
    camera = await session.get(Camera, camera_id)
    if camera is None:
        raise NotFound("no such camera", field="camera_id")
    found = await timelines(session, start, end, [camera_id])
    return CameraReport(camera_id, camera.name, start, end,
                        found.get(camera_id) or Timeline(start, end), step,
                        await series(session, camera_id, start, end, step))


@dataclass(frozen=True)
class CameraUptime:
    camera_id: str
    name: str
    status: str
    uptime: dict[str, float | None]  # by period
    outages_7d: int


@dataclass(frozen=True)
class Dashboard:
    cameras: dict[str, int]
    uptime: dict[str, float | None]  # the fleet's, by period
    open_incidents: int
    per_camera: list[CameraUptime]

    @property
    def least_reliable(self) -> list[CameraUptime]:
        known = [c for c in self.per_camera if c.uptime["7d"] is not None]
        return sorted(known, key=lambda c: (c.uptime["7d"], -c.outages_7d))[:LEAST_RELIABLE]


async def dashboard(session: AsyncSession, now: datetime) -> Dashboard:
    longest = max(PERIODS.values())
    history = await timelines(session, now - longest, now)
    cameras = (await session.execute(select(Camera.id, Camera.name, Camera.status)
                                     .order_by(Camera.name, Camera.id))).tuples().all()
    per_camera, online, observed = [], dict.fromkeys(PERIODS, 0.0), dict.fromkeys(PERIODS, 0.0)
    for camera_id, name, status in cameras:
        timeline = history.get(camera_id)
        uptime: dict[str, float | None] = dict.fromkeys(PERIODS)
        outages = 0
        if timeline is not None:
            for period, length in PERIODS.items():
                part = timeline.since(now - length)
                online[period] += part.online_seconds()
                observed[period] += part.observed_seconds()
                uptime[period] = part.uptime_percent()
            outages = len(timeline.since(now - PERIODS["7d"]).outages())
        per_camera.append(CameraUptime(camera_id, name, status, uptime, outages))
    incidents = await session.scalar(select(func.count()).select_from(Incident).where(
        Incident.state.in_(OPEN))) or 0
    fleet = {p: (round(100 * online[p] / observed[p], 3) if observed[p] else None)
             for p in PERIODS}
    return Dashboard(await camera_counts(session), fleet, incidents, per_camera)
