"""``/api/v1/analytics``: the dashboard's figures (every role; the per-camera figures need
``analytics:read``) and one camera's uptime and outages over a window (``analytics:read``),
as JSON or CSV (``Accept: text/csv`` or ``?format=csv``; columns in ``CSV_COLUMNS``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.analytics.schemas import (
    CameraAnalyticsOut,
    CameraUptimeOut,
    DashboardOut,
    HealthPointOut,
    OutageOut,
)
from argus.platform.analytics.service import (
    PERIODS,
    camera_report,
    dashboard,
    parse_time,
    window,
)
from argus.platform.core.csv_answers import csv_response, csv_text, wants_csv
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Forbidden
from argus.platform.core.guards import needs
from argus.platform.core.principal import Principal

CSV_COLUMNS = {
    "camera": ("camera_id", "start", "end", "seconds", "state", "reason"),
    "dashboard": ("camera_id", "name", "status", *(f"uptime_{p}" for p in PERIODS),
                  "outages_7d"),
}
Format = Annotated[str | None, QueryParameter(name="format")]


def _iso(at: Any) -> str:
    return "" if at is None else at.isoformat().replace("+00:00", "Z")


class AnalyticsController(Controller):
    path = "/analytics"
    tags = ["analytics"]

    @get("/dashboard", opt=needs("cameras:read"),
         summary="Cameras by status, fleet uptime over 24 h / 7 d / 30 d, open incidents and "
                 "the least reliable cameras")
    async def show_dashboard(self, request: Request[Any, Any, Any],
                             db_session: NamedDependency[AsyncSession],
                             principal: NamedDependency[Principal], fmt: Format = None
                             ) -> DashboardOut | Response[str]:
        detailed = principal.can("analytics:read")
        csv = wants_csv(request, fmt)
        if csv and not detailed:
            raise Forbidden("the per-camera export needs analytics:read", code="forbidden")
        board = await dashboard(db_session, utcnow())
        if csv:
            return csv_response(csv_text(CSV_COLUMNS["dashboard"], (
                (c.camera_id, c.name, c.status, *(c.uptime[p] for p in PERIODS), c.outages_7d)
                for c in board.per_camera)), "analytics-dashboard")
        return DashboardOut(board.cameras, board.uptime, board.open_incidents, [
            CameraUptimeOut(c.camera_id, c.name, c.status, c.uptime, c.outages_7d)
            for c in board.least_reliable] if detailed else None)

    @get("/cameras/{camera_id:str}", opt=needs("analytics:read"),
         summary="A camera's uptime, outages and health series over a window (default: the "
                 "last 24 h)")
    async def show_camera(self, request: Request[Any, Any, Any], camera_id: FromPath[str],
                          db_session: NamedDependency[AsyncSession],
                          start: Annotated[str | None, QueryParameter(name="from")] = None,
                          end: Annotated[str | None, QueryParameter(name="to")] = None,
                          step: FromQuery[int | None] = None,
                          fmt: Format = None) -> CameraAnalyticsOut | Response[str]:
        now = utcnow()
        span = window(parse_time(start, "from"), parse_time(end, "to"), now)
        csv = wants_csv(request, fmt)
        report = await camera_report(db_session, camera_id, *span, step=step)
        outages = [OutageOut(o.start, o.end, round(o.seconds(span[1]), 3), o.state, o.reason)
                   for o in report.outages]
        if csv:
            return csv_response(csv_text(CSV_COLUMNS["camera"], (
                (camera_id, _iso(o.start), _iso(o.end), o.seconds, o.state, o.reason or "")
                for o in outages)), f"analytics-camera-{camera_id}")
        timeline = report.timeline
        return CameraAnalyticsOut(camera_id, report.name, span[0], span[1],
                                  timeline.uptime_percent(), round(timeline.online_seconds(), 3),
                                  round(timeline.observed_seconds(), 3), outages, report.step,
                                  [HealthPointOut(p.at, p.kbps, p.fps, p.width, p.height,
                                                  p.samples) for p in report.health])
