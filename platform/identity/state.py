"""``Identity``: the process-wide pieces of authentication, built once in ``Services``.

Also the Redis side of revocation: a logged-out access token's ``jti`` is denied until it
expires, and disabling a user (or changing their role or password) denies every access token
issued to them before that moment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from redis.asyncio import Redis

from argus.platform.core.errors import RateLimited
from argus.platform.core.keys import auth_prefix
from argus.platform.core.netaddr import parse_networks
from argus.platform.core.principal import Principal
from argus.platform.core.ratelimit import BatchedCounter, LoginThrottle, RateLimiter
from argus.platform.core.settings import Settings
from argus.platform.identity.passwords import Passwords
from argus.platform.identity.revocations import RevocationMirror
from argus.platform.identity.tokens import AccessClaims, AccessTokens, InvalidToken
from argus.platform.observability.series import RATE_LIMITED
from argus.platform.observability.tenant_calls import TenantCalls

TOKEN_CACHE_SECONDS = 30
# Per request, one round trip: is either revocation marker set (KEYS 1-2), when were the user's
# tokens last revoked (KEY 3), and count this call in the rate-limit window (KEY 4).
_CHECKS_LUA = """
local denied = redis.call('EXISTS', KEYS[1], KEYS[2])
local revoked = redis.call('GET', KEYS[3])
local count = redis.call('INCR', KEYS[4])
if count == 1 then redis.call('EXPIRE', KEYS[4], ARGV[1]) end
return {denied, revoked or false, count}
"""
K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict that empties itself when full (entries are cheap to rebuild)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


@dataclass
class CachedApiToken:
    principal: Principal
    token_id: str
    expires_at: datetime | None
    ip_allowlist: tuple
    cached_at: float
    last_used_written: float


class Identity:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        auth = settings.auth
        ns = settings.database.control_schema
        self.settings = auth
        self.redis = redis
        self.ns = auth_prefix(ns)
        self.passwords = Passwords(auth)
        self.access = AccessTokens(auth) if auth.jwt_secrets else None
        self.limiter = RateLimiter(ns)
        self.throttle = LoginThrottle(redis, ns, ip_threshold=auth.login_ip_threshold,
                                      account_threshold=auth.login_account_threshold,
                                      window=auth.login_window, base=auth.login_lockout_base,
                                      maximum=auth.login_lockout_max)
        self.trusted_proxies = parse_networks(auth.trusted_proxies)
        self.mirror = RevocationMirror(redis, self.ns)
        self.counter = BatchedCounter(redis, ns)
        self.tenant_calls = TenantCalls(redis, ns)  # API calls per tenant, for the metrics
        self.checks = redis.register_script(_CHECKS_LUA)
        # Verified access tokens by (tenant id, token): a signature is checked once per process,
        # expiry on every use; revocation is never cached (the middleware asks Redis each time).
        self.verified: BoundedCache[tuple[str, str], AccessClaims] = BoundedCache(50_000)
        # Authenticated API tokens by (tenant id, token), for TOKEN_CACHE_SECONDS at most;
        # revoking a token or changing its owner leaves a Redis marker that every use checks.
        self.api_tokens: BoundedCache[tuple[str, str], CachedApiToken] = BoundedCache(50_000)

    def verify_access(self, token: str, tenant_id: str) -> AccessClaims:
        key = (tenant_id, token)
        claims = self.verified.get(key)
        if claims is None:
            claims = self.tokens().verify(token, tenant_id)
            self.verified[key] = claims
        elif claims.expires_at.timestamp() + 5 < time.time():
            del self.verified[key]
            raise InvalidToken("expired")
        return claims

    async def spend(self, key: str, limit: int, window: int) -> None:
        """Count one call against a Redis budget; 429 once it is used up."""
        name, now = self.limiter.counter(key, window)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = await pipe.execute()
        budget = self.limiter.budget(count, limit, window, now)
        if budget.exceeded:
            RATE_LIMITED.labels("budget").inc()
            raise RateLimited("too many requests; try again later",
                                headers={**budget.headers(), "Retry-After": str(budget.reset)})

    def token_key(self, tenant_id: str, token_id: str) -> str:
        return f"{self.ns}:token-revoked:{tenant_id}:{token_id}"

    async def mark_token_revoked(self, tenant_id: str, token_id: str) -> None:
        await self.mirror.set(self.token_key(tenant_id, token_id), "1", TOKEN_CACHE_SECONDS * 2)

    def background(self) -> list:
        """Coroutines a serving process runs for the fast path (see ``RevocationMirror``)."""
        return [self.mirror.run(), self.counter.run(), self.tenant_calls.run()]

    @property
    def fast(self) -> bool:
        return self.mirror.ready and self.counter.ready

    def tokens(self) -> AccessTokens:
        if self.access is None:
            raise RuntimeError("ARGUS_JWT_SECRETS is not set")
        return self.access

    def jti_key(self, tenant_id: str, jti: str) -> str:
        return f"{self.ns}:jti:{tenant_id}:{jti}"

    def user_key(self, tenant_id: str, user_id: str) -> str:
        return f"{self.ns}:user-revoked:{tenant_id}:{user_id}"

    def family_key(self, tenant_id: str, family_id: str) -> str:
        return f"{self.ns}:family-revoked:{tenant_id}:{family_id}"

    async def deny_jti(self, tenant_id: str, jti: str, seconds_left: float) -> None:
        await self.mirror.set(self.jti_key(tenant_id, jti), "1", max(1, int(seconds_left) + 6))

    async def revoke_family(self, tenant_id: str, family_id: str) -> None:
        await self.mirror.set(self.family_key(tenant_id, family_id), "1",
                              self.settings.access_ttl + 60)

    async def revoke_user_tokens(self, tenant_id: str, user_id: str) -> None:
        """Every access token (and cached API token) of this user is checked again."""
        await self.mirror.set(self.user_key(tenant_id, user_id),
                              str(int(time.time() * 1000) + 1),
                              max(self.settings.access_ttl, TOKEN_CACHE_SECONDS) + 60)
