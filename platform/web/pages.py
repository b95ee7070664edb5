"""Admin pages: sign-in, password reset and invitation (public), then the dashboard, cameras,
recordings, users, tokens, audit log and settings. Reads go through the same services as the
API; every page declares the permission it needs (the API's guard enforces it), and templates
show controls by permission."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.branding.theme import theme_css
from argus.platform.analytics.service import camera_report, dashboard
from argus.platform.cameras.counts import camera_counts
from argus.platform.cameras.models import STATUSES
from argus.platform.cameras.service import HINTS, KEYFRAME_HINT, VENDOR_NAMES, CameraService
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs, public
from argus.platform.core.infra import Infra
from argus.platform.recordings.service import RecordingService, day_start
from argus.platform.web.render import brand_context, local_path, page, render
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant

GRID_PAGE = 48  # tiles per dashboard page ("show more" fetches the next ones)


class AdminPages(Controller):
    path = "/"
    include_in_schema = False

    # --- public -------------------------------------------------------------------------------

    @get("/theme.css", opt=public())
    async def theme(self, request: Request, tenant: NamedDependency[TenantContext]) -> Response:
        brand = (await brand_context(request, tenant))["brand"]
        return Response(theme_css(brand), media_type="text/css",
                        headers={"Cache-Control": "no-cache"})

    @get("/login", opt=public())
    async def login(self, request: Request, tenant: NamedDependency[TenantContext],
                    next: FromQuery[str] = "/") -> Template:
        return await render(request, tenant, "login.html", next=local_path(next))

    @get("/reset", opt=public())
    async def reset(self, request: Request, tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "token_form.html", purpose="reset")

    @get("/invite", opt=public())
    async def invite(self, request: Request, tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "token_form.html", purpose="invite")

    @get("/", opt=needs("cameras:read"))
    async def dashboard(self, request: Request, tenant: NamedDependency[TenantContext],
                        db_session: NamedDependency[AsyncSession], dbs: Provided[Databases],
                        camera_service: NamedDependency[CameraService]) -> Template:
        counts = await camera_counts(db_session)
        async with dbs.control_session() as session:
            storage = await session.scalar(select(Tenant.storage_bytes)
                                           .where(Tenant.id == tenant.id))
        cameras, cursor = await camera_service.list(limit=GRID_PAGE)
        return await render(request, tenant, "dashboard.html", cameras=cameras, cursor=cursor,
                            counts=counts, storage=storage or 0,
                            board=await dashboard(db_session, utcnow()))

    @get("/tiles", opt=needs("cameras:read"))
    async def tiles(self, request: Request, camera_service: NamedDependency[CameraService],
                    cursor: FromQuery[str | None] = None) -> Template:
        cameras, next_cursor = await camera_service.list(cursor=cursor, limit=GRID_PAGE)
        return page(request, "_tiles.html", {"cameras": cameras, "cursor": next_cursor})

    @get("/cameras", opt=needs("cameras:read"))
    async def cameras(self, request: Request, tenant: NamedDependency[TenantContext],
                      camera_service: NamedDependency[CameraService],
                      status: FromQuery[str | None] = None,
                      vendor: FromQuery[str | None] = None,
                      tag: FromQuery[str | None] = None,
                      q: FromQuery[str | None] = None,
                      cursor: FromQuery[str | None] = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> Template:
        rows, next_cursor = await camera_service.list(status=status or None,
                                                      vendor=vendor or None, tag=tag or None,
                                                      q=q or None, cursor=cursor, limit=limit)
        ctx = {"cameras": rows, "cursor": next_cursor,
               "filters": {"status": status or "", "vendor": vendor or "", "tag": tag or "",
                           "q": q or ""},
               "statuses": STATUSES, "vendors": tuple(HINTS)}
        if request.headers.get("hx-request"):
            return page(request, "_camera_rows.html", ctx)
        return await render(request, tenant, "cameras.html", **ctx)

    @get("/cameras/{camera_id:str}", opt=needs("cameras:read"))
    async def camera(self, request: Request, tenant: NamedDependency[TenantContext],
                     camera_id: FromPath[str],
                     camera_service: NamedDependency[CameraService]) -> Template:
        camera = await camera_service.get(camera_id)
        return await render(request, tenant, "camera.html", camera=camera,
                            hints=HINTS.get(camera.vendor, HINTS["other"]) + [KEYFRAME_HINT],
                            vendor_name=VENDOR_NAMES.get(camera.vendor, VENDOR_NAMES["other"]),
                            vendors=tuple(HINTS))

    @get("/cameras/{camera_id:str}/analytics", opt=needs("analytics:read"))
    async def camera_analytics(self, request: Request, tenant: NamedDependency[TenantContext],
                               camera_id: FromPath[str],
                               db_session: NamedDependency[AsyncSession],
                               days: FromQuery[int] = 1) -> Template:
        days = days if days in (1, 7, 30) else 1
        now = utcnow()
        report = await camera_report(db_session, camera_id, now - timedelta(days=days), now)
        timeline = report.timeline
        return await render(request, tenant, "camera_analytics.html", report=report,
                            days=days, now=now, uptime=timeline.uptime_percent(),
                            online=timeline.online_seconds(),
                            observed=timeline.observed_seconds(),
                            outages=[(o, o.seconds(now)) for o in reversed(report.outages)],
                            series=timeline.series())

    @get("/cameras/{camera_id:str}/recordings", opt=needs("recordings:read"))
    async def recordings(self, request: Request, tenant: NamedDependency[TenantContext],
                         camera_id: FromPath[str], db_session: NamedDependency[AsyncSession],
                         camera_service: NamedDependency[CameraService],
                         infra: Provided[Infra],
                         day: FromQuery[str | None] = None) -> Template:
        camera = await camera_service.get(camera_id)
        try:
            start = day_start(day)
        except Invalid:  # a mistyped day in the address bar: show today
            start = day_start(None)
        chosen = start.date()
        end = start + timedelta(days=1)
        service = RecordingService(db_session, tenant, None, infra.dbs, infra.storage)
        spans, gaps, rows = await service.timeline(camera.id, start, end)
        return await render(
            request, tenant, "recordings.html", camera=camera, day=chosen,
            prev_day=chosen - timedelta(days=1), next_day=chosen + timedelta(days=1),
            spans=spans,
            recordings=rows, gaps=gaps, day_start=start)

    @get("/users", opt=needs("users:read"))
    async def users(self, request: Request, tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "users.html")

    @get("/tokens", opt=needs("tokens:own"))
    async def tokens(self, request: Request, tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "tokens.html")

    @get("/audit", opt=needs("audit:read"))
    async def audit(self, request: Request, tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "audit.html")

    @get("/settings", opt=needs("settings:read"))
    async def settings(self, request: Request,
                       tenant: NamedDependency[TenantContext]) -> Template:
        return await render(request, tenant, "settings.html")
