"""Browser sessions: the same tokens in cookies, plus a double-submit CSRF token.

``argus_access`` (the access JWT) and ``argus_refresh`` (the refresh token, sent only to the
auth routes) are HttpOnly and SameSite=Lax, Secure when the request came over HTTPS (or always,
with ``ARGUS_COOKIE_SECURE=true``). ``argus_csrf`` is readable by the page's script, which echoes
it in the ``X-CSRF-Token`` header (or the ``csrf_token`` form field) of every state-changing
request made with the cookie.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.types import Scope

ACCESS_COOKIE = "argus_access"
REFRESH_COOKIE = "argus_refresh"
CSRF_COOKIE = "argus_csrf"
CSRF_HEADER = b"x-csrf-token"
REFRESH_PATH = "/api/v1/auth"


def read_cookies(scope: Scope) -> dict[str, str]:
    raw = "; ".join(v.decode("latin-1") for k, v in scope["headers"] if k == b"cookie")
    if not raw:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header means "no cookies", not a 500
        return {}
    return {k: m.value for k, m in jar.items()}


def _secure(request: Request, forced: bool | None) -> bool:
    return forced if forced is not None else request.url.scheme == "https"


def set_session_cookies(response: Response, request: Request, access: str, access_ttl: int,
                        refresh: str, refresh_ttl: int, forced_secure: bool | None) -> str:
    secure = _secure(request, forced_secure)
    csrf = secrets.token_urlsafe(24)
    response.set_cookie(Cookie(key=ACCESS_COOKIE, value=access, max_age=access_ttl, path="/",
                               httponly=True, secure=secure, samesite="lax"))
    response.set_cookie(Cookie(key=REFRESH_COOKIE, value=refresh, max_age=refresh_ttl,
                               path=REFRESH_PATH, httponly=True, secure=secure, samesite="lax"))
    response.set_cookie(Cookie(key=CSRF_COOKIE, value=csrf, max_age=refresh_ttl, path="/",
                               httponly=False, secure=secure, samesite="lax"))
    return csrf


def clear_session_cookies(response: Response) -> None:
    for key, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH), (CSRF_COOKIE, "/")):
        response.delete_cookie(key, path=path)
