"""The one error hierarchy domain code raises (``argus.platform.core.error_handlers`` maps it
to HTTP: JSON ``{"status_code", "code", "detail", "field"?}``). Importing it costs nothing, so
commands and jobs raise the same errors as requests."""

from __future__ import annotations

from typing import Any


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


class RateLimited(ArgusError):
    """Too many calls in a window (rate limits, sign-in lockouts, budgets): 429."""

    status_code = 429
    code = "rate_limited"


class QuotaExceeded(ArgusError):
    """Over what the tenant's plan allows: 402 naming the field, the plan, its limit and the
    current use (``limit``/``used`` are ``None`` for an entitlement the plan does not have)."""

    status_code = 402
    code = "quota_exceeded"

    def __init__(self, detail: str, *, field: str, plan: str, limit: int | None = None,
                 used: int | None = None) -> None:
        super().__init__(detail, field=field)
        self.plan, self.limit, self.used = plan, limit, used

    def body(self) -> dict[str, Any]:
        return {**super().body(), "plan": self.plan, "limit": self.limit, "used": self.used}


class TenantUnavailable(ArgusError):
    """The tenant exists but cannot serve (suspended, being provisioned or deleted)."""

    status_code = 403
    code = "tenant_unavailable"


class ServiceUnavailable(ArgusError):
    status_code = 503
    code = "unavailable"
