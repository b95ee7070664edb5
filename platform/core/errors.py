"""The one error hierarchy domain code raises, and its mapping to HTTP.

Every error answers with JSON ``{"status_code", "code", "detail", "field"?}``. Anything that is not
an ``ArgusError`` (or a Litestar HTTP exception) is a bug: it is logged with its traceback and the
request id and answered with a bare 500.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError

log = structlog.get_logger("argus.errors")
_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")


class ArgusError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        if code:
            self.code = code

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status_code": self.status_code, "code": self.code,
                                "detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


class Invalid(ArgusError):
    status_code = 422
    code = "invalid"


class BadRequest(ArgusError):
    """A request that is malformed before any field can be read (a bad Host header)."""

    status_code = 400
    code = "bad_request"


class NotFound(ArgusError):
    status_code = 404
    code = "not_found"


class Conflict(ArgusError):
    status_code = 409
    code = "conflict"


class Gone(ArgusError):
    """It existed and is no longer available (an expired or revoked link)."""

    status_code = 410
    code = "gone"


class Unauthorized(ArgusError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ArgusError):
    status_code = 403
    code = "forbidden"


class QuotaExceeded(ArgusError):
    status_code = 429
    code = "rate_limited"


class TenantUnavailable(ArgusError):
    """The tenant exists but cannot serve (suspended, being provisioned or deleted)."""

    status_code = 403
    code = "tenant_unavailable"


class ServiceUnavailable(ArgusError):
    status_code = 503
    code = "unavailable"


def argus_error_handler(request: Request, exc: ArgusError) -> Response:
    headers = dict(exc.headers)
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(exc.body(), status_code=exc.status_code, headers=headers or None)


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar's body/parameter validation → 422 naming the first offending field."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    first = extra[0] if extra and isinstance(extra[0], dict) else {}
    message = str(first.get("message") or exc.detail)
    field = first.get("key") or None
    if field in (None, "data"):  # the body as a whole: name the field msgspec complained of
        named = _FIELD_IN_MESSAGE.search(message)
        field = named.group(1) if named else "body"
    body = Invalid(str(message), field=field).body()
    if len(extra) > 1:
        body["errors"] = extra
    return Response(body, status_code=422)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    body = {"status_code": exc.status_code, "code": code, "detail": exc.detail}
    if exc.status_code in (400, 413):  # undecodable or oversized request body
        body["field"] = "body"
    return Response(body, status_code=exc.status_code, headers=exc.headers)


# MySQL/MariaDB errors that mean "try again": deadlock, lock wait timeout, server gone away,
# lost connection, cannot connect.
_TRANSIENT_DB_ERRORS = {1213, 1205, 2006, 2013, 2003}


def db_error_handler(request: Request, exc: DBAPIError) -> Response:
    code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    if code in _TRANSIENT_DB_ERRORS:
        log.warning("request.db_transient", path=request.url.path, mysql_code=code)
        return Response({"status_code": 503, "code": "busy",
                         "detail": "the database is busy; retry shortly"},
                        status_code=503, headers={"Retry-After": "1"})
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.error("request.unhandled_error", path=request.url.path, exc_info=exc)
    return Response({"status_code": 500, "code": "internal_error",
                     "detail": "internal error"}, status_code=500)


EXCEPTION_HANDLERS = {
    ArgusError: argus_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    DBAPIError: db_error_handler,
    Exception: internal_error_handler,
}
