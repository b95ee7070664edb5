"""Sign-in for pages: the API's checks (tenant, allowlist, session cookie, revocations), but a
page asked for without a valid session redirects to ``/login?next=<path>``."""

from __future__ import annotations

from urllib.parse import quote

from litestar.types import ASGIApp, Receive, Scope, Send

from argus.platform.core.errors import Unauthorized
from argus.platform.identity.middleware import TenantAuthMiddleware


def _redirect_target(scope: Scope) -> str:
    path = scope.get("path", "/")
    query = scope.get("query_string", b"").decode("latin-1")
    return quote(path + (f"?{query}" if query else ""), safe="/?=&")


class PageAuthMiddleware(TenantAuthMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

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
