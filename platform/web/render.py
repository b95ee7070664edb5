"""Rendering pages: the Jinja2 environment (autoescaping), the brand every page wears, the
security headers, and error pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from argus.branding.brands import PROVIDER_DEFAULT
from argus.platform.branding.schemas import image_url
from argus.platform.core.errors import ArgusError
from argus.platform.core.principal import Principal
from argus.platform.web.middleware import BRAND_KEY
from argus.tenants.context import TenantContext

HERE = Path(__file__).parent
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
    env.filters["money"] = money
    env.filters["percent"] = percent
    env.filters["duration"] = duration
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(env))


def money(minor: int, currency: str) -> str:
    """Minor units as the amount and its currency (two decimals: USD, EUR, GBP, ...)."""
    return f"{minor / 100:,.2f} {currency}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def duration(seconds: float) -> str:
    """``1 h 02 min``, ``3 min 05 s``, ``40 s``."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


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
    # The page middleware read it for every page whose tenant it resolved.
    brand, stored = request.scope.get(BRAND_KEY) or (PROVIDER_DEFAULT, {})
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
