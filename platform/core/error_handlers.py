"""How errors answer over HTTP: the one handler table the app installs.

An ``ArgusError`` answers with its JSON body; Litestar's validation errors become a 422 naming
the offending field; anything else is a bug: it is logged with its traceback and the request
id and answered with a bare 500 (transient database errors: a 503 to retry).
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError

from argus.platform.core.errors import ArgusError, Invalid

log = structlog.get_logger("argus.errors")
_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")


def argus_error_handler(request: Request[Any, Any, Any], exc: ArgusError) -> Response[Any]:
    headers = dict(exc.headers)
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(exc.body(), status_code=exc.status_code, headers=headers or None)


def validation_error_handler(request: Request[Any, Any, Any],
                             exc: ValidationException) -> Response[Any]:
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


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    body = {"status_code": exc.status_code, "code": code, "detail": exc.detail}
    if exc.status_code in (400, 413):  # undecodable or oversized request body
        body["field"] = "body"
    return Response(body, status_code=exc.status_code, headers=exc.headers)


# MySQL/MariaDB errors that mean "try again": deadlock, lock wait timeout, server gone away,
# lost connection, cannot connect.
_TRANSIENT_DB_ERRORS = {1213, 1205, 2006, 2013, 2003}


def db_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    if code in _TRANSIENT_DB_ERRORS:
        log.warning("request.db_transient", path=request.url.path, mysql_code=code)
        return Response({"status_code": 503, "code": "busy",
                         "detail": "the database is busy; retry shortly"},
                        status_code=503, headers={"Retry-After": "1"})
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
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
