"""The web app's routes: admin and viewer pages behind the page middleware, static files,
and the front-end packages from npm."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from argus.platform.cameras.service import provide_camera_service
from argus.platform.core.errors import ArgusError
from argus.platform.core.guards import require_permission
from argus.platform.services import Services
from argus.platform.web.alert_pages import AlertPages
from argus.platform.web.billing_pages import BillingPages
from argus.platform.web.middleware import PageAuthMiddleware
from argus.platform.web.pages import AdminPages
from argus.platform.web.render import HERE, error_page
from argus.platform.web.viewer import UnknownPages, ViewerPages

VENDOR = HERE / "node_modules"


def web_handlers(dependencies: dict[str, Provide], services: Services) -> list[Any]:
    pages = Router("/", route_handlers=[AdminPages, BillingPages, AlertPages, ViewerPages,
                                                UnknownPages],
                   dependencies={**dependencies,
                                 "camera_service": Provide(provide_camera_service)},
                   middleware=[PageAuthMiddleware(services.identity, services.dbs,
                                                  services.resolver, services.brands)],
                   guards=[require_permission],
                   exception_handlers={ArgusError: error_page})
    return [
        pages,
        create_static_files_router("/static", directories=[HERE / "static"],
                                   include_in_schema=False),
        create_static_files_router("/vendor/htmx", directories=[VENDOR / "htmx.org" / "dist"],
                                   include_in_schema=False),
        create_static_files_router("/vendor/hls", directories=[VENDOR / "hls.js" / "dist"],
                                   include_in_schema=False),
        create_static_files_router("/vendor/uplot", directories=[VENDOR / "uplot" / "dist"],
                                   include_in_schema=False),
    ]
