"""Authentication for ``/api/v1``: tenant, IP allowlist, credentials, rate limit, headers.

Order, so that nothing tenant-specific runs before the tenant is known and nothing is checked
for a caller who is not allowed in at all:

1. resolve the tenant from the Host header (404/403/503), check the tenant's IP allowlist (403);
2. routes marked ``opt={"public": True}`` stop here (sign-in, refresh, the tenant profile);
3. credentials: ``Authorization: Bearer`` with an access JWT or an API token, else the session
   cookie (then state-changing requests must carry the CSRF token: the ``X-CSRF-Token`` header,
   or a ``csrf_token`` field in a url-encoded form); provider keys are refused;
4. one Redis round trip: revocation markers and the caller's rate-limit counter (429);
5. ``scope["user"]`` is the ``Principal``; responses carry the RateLimit headers.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from argus.billing.plans import PlanBook
from argus.platform.core.db import Databases
from argus.platform.core.errors import Forbidden, RateLimited, Unauthorized
from argus.platform.core.permissions import ROLE_PERMISSIONS, role_permissions
from argus.platform.core.principal import Principal
from argus.platform.core.ratelimit import Budget, counter_ttl
from argus.platform.identity.api_tokens import authenticate_api_token
from argus.platform.identity.cookies import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, read_cookies
from argus.platform.identity.state import Identity
from argus.platform.identity.tokens import API_TOKEN_RE, InvalidToken
from argus.platform.observability.series import RATE_LIMITED
from argus.tenants.context import TenantContext
from argus.tenants.requests import request_tenant
from argus.tenants.resolution import TenantResolver

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1024 * 1024


async def check_form_csrf(scope: Scope, receive: Receive, expected: str) -> Receive:
    """Read a url-encoded form body, check its ``csrf_token`` field, and hand the body on.

    Multipart forms (uploads) must send the ``X-CSRF-Token`` header instead.
    """
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise HTTPException(status_code=413, detail="form body too large")
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    try:
        sent = parse_qs(body.decode("utf-8"), max_num_fields=1000).get("csrf_token", [""])[0]
    except (UnicodeDecodeError, ValueError):
        sent = ""
    if not hmac.compare_digest(sent, expected):
        raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _marker_keys(identity: Identity, tenant: TenantContext,
                 principal: Principal) -> tuple[str, str, str]:
    if principal.kind == "user":
        first = identity.jti_key(tenant.id, principal.jti or "")
        second = identity.family_key(tenant.id, principal.family_id or "")
    else:
        first = second = identity.token_key(tenant.id, principal.token_id or "")
    return first, second, identity.user_key(tenant.id, principal.user_id)


def _local_markers(identity: Identity, tenant: TenantContext,
                   principal: Principal) -> tuple[bool, str | None]:
    first, second, user = _marker_keys(identity, tenant, principal)
    mirror = identity.mirror
    return bool(mirror.get(first) or mirror.get(second)), mirror.get(user)


def _verdict(principal: Principal, denied: bool, revoked_ms: str | None) -> bool:
    """Raise if revoked; True when a cached API token must be read again."""
    changed = bool(revoked_ms) and principal.issued_ms < int(revoked_ms)
    if principal.kind == "user":
        if denied or changed:
            raise Unauthorized("access token was revoked", code="invalid_token")
        return False
    if denied:
        raise Unauthorized("API token is revoked or expired", code="invalid_token")
    return changed


async def check_still_authorised(identity: Identity, tenant: TenantContext,
                                 principal: Principal) -> None:
    """For long-lived connections: raise ``Unauthorized`` once the caller's credential was
    revoked (sign-out, refresh reuse, revoked or expired token) or its user changed (disabled,
    demoted, new password). The mirror answers while in sync; Redis itself otherwise."""
    if principal.kind == "token" and principal.expires_at is not None \
            and principal.expires_at <= datetime.now(UTC):
        raise Unauthorized("API token expired", code="invalid_token")
    if identity.fast:
        denied, revoked_ms = _local_markers(identity, tenant, principal)
    else:
        first, second, user = _marker_keys(identity, tenant, principal)
        async with identity.redis.pipeline(transaction=False) as pipe:
            pipe.exists(first, second)
            pipe.get(user)
            count, revoked_ms = await pipe.execute()
        denied = bool(count)
    if _verdict(principal, denied, revoked_ms):  # an API token's owner changed
        raise Unauthorized("the token's owner changed; connect again", code="invalid_token")


class TenantAuthMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, identity: Identity, dbs: Databases, resolver: TenantResolver,
                 plans: PlanBook | None = None) -> None:
        """``plans``: a tenant without its own ``api_rate_limit`` gets its plan's, then the
        deployment's."""
        self.identity, self.dbs, self.resolver, self.plans = identity, dbs, resolver, plans

    def __deepcopy__(self, memo: dict) -> TenantAuthMiddleware:
        # Litestar deep-copies a router when it is registered: the process's services it
        # holds (pools, caches) must stay the same objects.
        return self

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        tenant = await request_tenant(scope, self.resolver)
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get("public"):
            await next_app(scope, receive, send)
            return
        identity = self.identity
        principal, credential, csrf_expected = await self.authenticate(scope, tenant, identity)
        if csrf_expected is not None:  # a cookie-session form post without the CSRF header
            receive = await check_form_csrf(scope, receive, csrf_expected)
        settings = identity.settings
        key = f"{tenant.id}:{principal.kind}:{principal.actor_id}"
        limit = tenant.api_rate_limit or (
            self.plans is not None and (await self.plans.limits(tenant.plan)).api_rate_limit
        ) or settings.api_rate_limit
        if identity.fast:
            checks = identity.counter.hit(key, limit, settings.api_rate_window)
            reload = _verdict(principal, *_local_markers(identity, tenant, principal))
        else:
            checks, reload = await self._redis_checks(identity, tenant, principal, key, limit,
                                                      settings.api_rate_window)
        if reload:  # the token's owner changed since it was cached: read it again
            principal = await authenticate_api_token(identity, self.dbs, scope, tenant,
                                                     credential, fresh=True)
        scope["user"] = principal
        scope["auth"] = principal.kind
        identity.tenant_calls.hit(tenant.id)
        if checks.exceeded:
            RATE_LIMITED.labels("api").inc()
            raise RateLimited("rate limit exceeded; slow down",
                                headers={**checks.headers(), "Retry-After": str(checks.reset)})
        extra = [(k.lower().encode(), v.encode()) for k, v in checks.headers().items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await next_app(scope, receive, send_with_headers)

    async def authenticate(self, scope: Scope, tenant: TenantContext,
                           identity: Identity) -> tuple[Principal, str, str | None]:
        """The caller, its credential, and the CSRF token a form body must still carry."""
        authorization = _header(scope, b"authorization")
        if authorization:
            scheme, _, credential = authorization.partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                raise Unauthorized("use Authorization: Bearer <token>")
            if credential.startswith("argus_pk_"):
                raise Unauthorized("provider keys are not valid on tenant hosts")
            if API_TOKEN_RE.match(credential):
                return await authenticate_api_token(identity, self.dbs, scope, tenant,
                                                    credential), credential, None
            return self._from_jwt(credential, tenant, identity, via_cookie=False), credential, \
                None
        cookies = read_cookies(scope)
        token = cookies.get(ACCESS_COOKIE)
        if not token:
            raise Unauthorized("authentication required")
        principal = self._from_jwt(token, tenant, identity, via_cookie=True)
        if scope["type"] == ScopeType.WEBSOCKET:
            # Browsers send cookies on WebSocket handshakes from any page of the same site
            # (other tenants' subdomains are the same site): only our own pages may use them.
            origin = _header(scope, b"origin") or ""
            if urlsplit(origin).netloc.lower() != (_header(scope, b"host") or "").lower():
                raise Forbidden("a session cookie is accepted from this host's pages only",
                                code="bad_origin")
            return principal, token, None
        if scope.get("method", "GET") in SAFE_METHODS:
            return principal, token, None
        expected = cookies.get(CSRF_COOKIE, "")
        sent = _header(scope, CSRF_HEADER)
        if not expected:
            raise Forbidden("missing CSRF cookie; sign in again", code="csrf_failed")
        if sent is None and (_header(scope, b"content-type") or "").startswith(FORM_TYPE):
            return principal, token, expected
        if not hmac.compare_digest(sent or "", expected):
            raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
        return principal, token, None

    @staticmethod
    def _from_jwt(token: str, tenant: TenantContext, identity: Identity,
                  via_cookie: bool) -> Principal:
        try:
            claims = identity.verify_access(token, tenant.id)
        except InvalidToken:
            raise Unauthorized("access token is not valid", code="invalid_token") from None
        if claims.role not in ROLE_PERMISSIONS or claims.role == "api_only":
            raise Unauthorized("access token is not valid", code="invalid_token")
        permissions = role_permissions(claims.role, tenant.role_grants)
        return Principal(kind="user", user_id=claims.user_id, label=claims.email,
                         role=claims.role, permissions=permissions, jti=claims.jti,
                         family_id=claims.family_id, expires_at=claims.expires_at,
                         via_cookie=via_cookie, issued_ms=claims.issued_ms)

    async def _redis_checks(self, identity: Identity, tenant: TenantContext,
                            principal: Principal, key: str, limit: int,
                            window: int) -> tuple[Budget, bool]:
        """The same checks against Redis itself, in one round trip (one Lua call)."""
        first, second, user = _marker_keys(identity, tenant, principal)
        counter, now = identity.limiter.counter(key, window)
        denied, revoked_ms, count = await identity.checks(keys=[first, second, user, counter],
                                                          args=[counter_ttl(window)])
        budget = identity.limiter.budget(count, limit, window, now)
        return budget, _verdict(principal, bool(denied), revoked_ms)
