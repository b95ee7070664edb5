"""One structured log line per HTTP request (request id, tenant, route, status, duration),
and the request metrics (``metrics.observe_request``)."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from argus.platform.core.logging import log_fields
from argus.platform.observability.metrics import observe_request
from argus.platform.observability.series import HTTP_IN_FLIGHT

log = structlog.get_logger("argus.http")
_REQUEST_ID_RE = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")
# Health checks and the ingest nodes' callbacks come every few seconds: debug level (a refusal
# or an error among them is still logged at info).
ROUTINE = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestLogMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        request_id = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = (request_id if _REQUEST_ID_RE.match(request_id)
                      else uuid.uuid4().hex.encode())
        fields = log_fields(scope)
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await next_app(scope, receive, send_wrapper)
        except Exception as exc:  # answered by the app's handlers, outside this middleware
            status = getattr(exc, "status_code", 500)
            raise
        finally:
            HTTP_IN_FLIGHT.dec()
            path = scope["path"]
            seconds = time.perf_counter() - started
            template = scope.get("path_template")
            observe_request(template, scope["method"], status, seconds)
            routine = path in ROUTINE or path.startswith("/internal/")
            (log.debug if routine and status < 400 else log.info)(
                "http.request",
                request_id=request_id.decode(),
                method=scope["method"],
                route=template or path,
                status=status,
                duration_ms=round(seconds * 1000, 2),
                **fields,
            )
