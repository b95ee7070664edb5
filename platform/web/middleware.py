"""Sign-in for pages: the API's checks (tenant, allowlist, session cookie, revocations), but a
page asked for without a valid session redirects to ``/login?next=<path>``. The tenant's brand
is read here once per page (``scope["argus_brand"]``), so error pages wear it too."""

from __future__ import annotations

from urllib.parse import quote

from litestar.types import ASGIApp, Receive, Scope, Send

from argus.branding.brands import BrandStore
from argus.platform.core.db import Databases
from argus.platform.core.errors import ArgusError, Unauthorized
from argus.platform.identity.middleware import TenantAuthMiddleware
from argus.platform.identity.state import Identity
from argus.tenants.requests import request_tenant
from argus.tenants.resolution import TenantResolver

BRAND_KEY = "argus_brand"  # (BrandSettings, stored fields) of the page's tenant


def _redirect_target(scope: Scope) -> str:
    path = scope.get("path", "/")
    query = scope.get("query_string", b"").decode("latin-1")
    return quote(path + (f"?{query}" if query else ""), safe="/?=&")


class PageAuthMiddleware(TenantAuthMiddleware):
    def __init__(self, identity: Identity, dbs: Databases, resolver: TenantResolver,
                 brands: BrandStore) -> None:
        super().__init__(identity, dbs, resolver)
        self.brands = brands

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            tenant = await request_tenant(scope, self.resolver)
        except ArgusError:
            tenant = None  # raised again below, and answered with an error page
        if tenant is not None:
            scope[BRAND_KEY] = await self.brands.get(tenant.id)  # type: ignore[literal-required]
        try:
            await super().handle(scope, receive, tracking_send, next_app)
        except Unauthorized:
            if started:
                raise
            location = f"/login?next={_redirect_target(scope)}".encode()
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", location), (b"content-length", b"0"),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b""})
