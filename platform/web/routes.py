"""Page routes. Reads go through the same services as the API; every page declares the
permission it needs (the API's guard enforces it), and templates show controls by permission."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, Request, Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.branding.brands import PROVIDER_DEFAULT, BrandStore
from argus.platform.branding.controller import image_url
from argus.platform.cameras.controller import provide_camera_service
from argus.platform.cameras.counts import camera_counts
from argus.platform.cameras.models import STATUSES
from argus.platform.cameras.service import HINTS, KEYFRAME_HINT, CameraService
from argus.platform.core.errors import ArgusError, NotFound
from argus.platform.identity.guards import needs, public, require_permission
from argus.platform.identity.principal import Principal
from argus.platform.recordings.service import RecordingService
from argus.platform.sharing.service import LinkExpired, ShareService
from argus.platform.web.middleware import BRAND_KEY, PageAuthMiddleware
from argus.platform.web.theme import theme_css
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant

HERE = Path(__file__).parent
VENDOR = HERE / "node_modules"
GRID_PAGE = 48
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # No inline script anywhere: a name that slipped past escaping could still run nothing.
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; "
                                "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                                "media-src 'self' blob: http: https:; "
                                "connect-src 'self' ws: wss: http: https:; "
                                "worker-src 'self' blob:; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
}


_LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\s]*")


def local_path(target: str) -> str:
    """``target`` if it is a path on this host, else ``/``: ``//evil`` and ``/\\evil`` are
    other hosts to a browser, so sign-in never redirects off the tenant's host."""
    return target if _LOCAL_PATH.fullmatch(target) else "/"


def template_config() -> TemplateConfig:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["bytes"] = human_bytes
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(env))


def human_bytes(size: int | None) -> str:
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _brand_fields(brand, stored: dict, tenant: TenantContext | None) -> dict[str, Any]:
    return {"brand": brand, "logo_url": image_url("logo", stored),
            "favicon_url": image_url("favicon", stored), "tenant": tenant}


async def brand_context(request: Request, tenant: TenantContext | None) -> dict[str, Any]:
    if tenant is None:
        return _brand_fields(PROVIDER_DEFAULT, {}, None)
    known = request.scope.get(BRAND_KEY)  # read by the page middleware
    brand, stored = known or await BrandStore(request.app.state.dbs).get(tenant.id)
    return _brand_fields(brand, stored, tenant)


def page(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200,
         framable: bool = False) -> Template:
    """A page with the security headers; ``framable`` pages (embeds) may be framed anywhere."""
    user = request.scope.get("user")
    context = {**ctx, "user": user if isinstance(user, Principal) else None,
               "path": request.url.path}
    headers = dict(PAGE_HEADERS)
    if framable:
        del headers["X-Frame-Options"]
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", "frame-ancestors *")
    return Template(template_name=name, context=context, status_code=status_code,
                    headers=headers)


async def render(request: Request, tenant: TenantContext | None, name: str,
                 status_code: int = 200, **ctx: Any) -> Template:
    return page(request, name, {**await brand_context(request, tenant), **ctx}, status_code)


def error_page(request: Request, exc: ArgusError) -> Response:
    """Errors on pages are pages, in the tenant's brand when the tenant is known."""
    tenant = request.scope.get("argus_tenant")
    titles = {404: "Not found", 403: "Not allowed", 401: "Sign in", 422: "Not valid"}
    status = exc.status_code
    brand, stored = request.scope.get(BRAND_KEY) or (PROVIDER_DEFAULT, {})
    return page(request, "error.html", {
        **_brand_fields(brand, stored, tenant),
        "title": titles.get(status, "Something went wrong"), "detail": exc.detail,
        "code": exc.code, "status": status}, status_code=status)


class Pages(Controller):
    path = "/"
    include_in_schema = False

    # --- public -------------------------------------------------------------------------------

    @get("/theme.css", opt=public())
    async def theme(self, request: Request, tenant: NamedDependency[TenantContext]) -> Response:
        brand, _ = await BrandStore(request.app.state.dbs).get(tenant.id)
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

    @get("/v/{token:str}", opt=public())
    async def shared(self, request: Request, tenant: NamedDependency[TenantContext],
                     token: FromPath[str], db_session: NamedDependency[AsyncSession]) -> Template:
        return await self._share_page(request, tenant, token, db_session, embed=False)

    @get("/embed/{token:str}", opt=public())
    async def embed(self, request: Request, tenant: NamedDependency[TenantContext],
                    token: FromPath[str], db_session: NamedDependency[AsyncSession]) -> Template:
        return await self._share_page(request, tenant, token, db_session, embed=True)

    @staticmethod
    async def _share_page(request: Request, tenant: TenantContext, token: str,
                          session: AsyncSession, embed: bool) -> Template:
        try:
            share, camera = await ShareService(session).open(token)
        except (LinkExpired, NotFound) as exc:
            return page(request, "expired.html", {
                **await brand_context(request, tenant), "embed": embed,
                "expired": isinstance(exc, LinkExpired)}, exc.status_code, framable=embed)
        return page(request, "share.html", {
            **await brand_context(request, tenant), "camera": camera, "share": share,
            "token": token, "embed": embed}, framable=embed)

    # --- signed in ----------------------------------------------------------------------------

    @get("/", opt=needs("cameras:read"))
    async def dashboard(self, request: Request, tenant: NamedDependency[TenantContext],
                        db_session: NamedDependency[AsyncSession],
                        camera_service: NamedDependency[CameraService]) -> Template:
        counts = await camera_counts(db_session)
        async with request.app.state.dbs.control_session() as session:
            storage = await session.scalar(select(Tenant.storage_bytes)
                                           .where(Tenant.id == tenant.id))
        cameras, cursor = await camera_service.list(limit=GRID_PAGE)
        return await render(request, tenant, "dashboard.html", cameras=cameras, cursor=cursor,
                            counts=counts, storage=storage or 0)

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
                      q: FromQuery[str | None] = None,
                      cursor: FromQuery[str | None] = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> Template:
        rows, next_cursor = await camera_service.list(status=status or None,
                                                      vendor=vendor or None, q=q or None,
                                                      cursor=cursor, limit=limit)
        ctx = {"cameras": rows, "cursor": next_cursor,
               "filters": {"status": status or "", "vendor": vendor or "", "q": q or ""},
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
                            vendors=tuple(HINTS))

    @get("/cameras/{camera_id:str}/recordings", opt=needs("recordings:read"))
    async def recordings(self, request: Request, tenant: NamedDependency[TenantContext],
                         camera_id: FromPath[str], db_session: NamedDependency[AsyncSession],
                         camera_service: NamedDependency[CameraService],
                         day: FromQuery[str | None] = None) -> Template:
        camera = await camera_service.get(camera_id)
        try:
            chosen = date.fromisoformat(day) if day else datetime.now(UTC).date()
        except ValueError:
            chosen = datetime.now(UTC).date()
        start = datetime.combine(chosen, time(0), UTC)
        end = start + timedelta(days=1)
        service = RecordingService(db_session, tenant, None, request.app.state.dbs,
                                   request.app.state.storage)
        spans, gaps, rows = await service.timeline(camera.id, start, end)
        total = (end - start).total_seconds()

        def place(a: datetime, b: datetime) -> dict[str, float]:
            return {"left": round((a - start).total_seconds() / total * 100, 3),
                    "width": max(round((b - a).total_seconds() / total * 100, 3), 0.2)}

        return await render(
            request, tenant, "recordings.html", camera=camera, day=chosen,
            prev_day=chosen - timedelta(days=1), next_day=chosen + timedelta(days=1),
            spans=[{**place(s.start, s.end), "start": s.start, "end": s.end} for s in spans],
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


def web_handlers(dependencies: dict[str, Provide]) -> list[Any]:
    pages = Router("/", route_handlers=[Pages],
                   dependencies={**dependencies,
                                 "camera_service": Provide(provide_camera_service)},
                   middleware=[PageAuthMiddleware()], guards=[require_permission],
                   exception_handlers={ArgusError: error_page})
    return [
        pages,
        create_static_files_router("/static", directories=[HERE / "static"],
                                   include_in_schema=False),
        create_static_files_router("/vendor/htmx", directories=[VENDOR / "htmx.org" / "dist"],
                                   include_in_schema=False),
        create_static_files_router("/vendor/hls", directories=[VENDOR / "hls.js" / "dist"],
                                   include_in_schema=False),
    ]
