"""Host → tenant resolution, cached in process, invalidated through Redis pub/sub.

A tenant answers on ``<slug>.<base_domain>`` and on each of its verified domains. Results (hits
and misses) are cached per host for ``tenant_cache_ttl`` seconds; any change to a tenant or a
domain is published on the control schema's channel and every process drops its cache. The TTL
only bounds staleness if a message is lost (Redis restart).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis
from sqlalchemy import select

from argus.platform.core.db import Databases
from argus.platform.core.keys import tenant_changed_channel
from argus.platform.core.redis import Subscription
from argus.platform.core.settings import HttpSettings
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant, TenantDomain
from argus.tenants.slugs import SLUG_RE, normalize_host

log = structlog.get_logger("argus.tenants")
_MAX_ENTRIES = 50_000
_MAX_MISSES = 10_000  # unknown hosts are anyone's to invent: their cache is bounded apart


def channel_name(control_schema: str) -> str:
    return tenant_changed_channel(control_schema)


async def publish_tenant_changed(redis: Redis, control_schema: str, slug: str) -> None:
    await redis.publish(channel_name(control_schema), slug)


class TenantResolver:
    def __init__(self, http: HttpSettings, dbs: Databases) -> None:
        self.http = http
        self.dbs = dbs
        self._cache: dict[str, tuple[float, TenantContext | None]] = {}
        self._misses: dict[str, float] = {}
        self._generation = 0
        self.subscription: Subscription | None = None

    def slug_for_host(self, host: str) -> str | None:
        """The slug a ``<slug>.<base>`` host names, or None for any other host."""
        suffix = "." + self.http.base_domain
        if host.endswith(suffix):
            label = host[: -len(suffix)]
            if SLUG_RE.match(label):
                return label
        return None

    async def resolve(self, host: str) -> TenantContext | None:
        host = normalize_host(host)
        return await self._cached(host, lambda: self._lookup(host))

    async def by_slug(self, slug: str) -> TenantContext | None:
        """The tenant with this slug (ingest callbacks name tenants by slug), cached alike."""
        return await self.resolve(f"{slug}.{self.http.base_domain}")

    async def by_id(self, tenant_id: str) -> TenantContext | None:
        return await self._cached(f"#id:{tenant_id}", lambda: self.load(tenant_id))

    async def load(self, tenant_id: str | None = None, *, slug: str | None = None
                   ) -> TenantContext | None:
        """A tenant read now, past the cache (jobs and commands, which act on what is)."""
        query = select(Tenant).where(Tenant.id == tenant_id if slug is None
                                     else Tenant.slug == slug)
        async with self.dbs.control_session() as session:
            row = await session.scalar(query.execution_options(populate_existing=True))
            return TenantContext.from_row(row) if row is not None else None

    async def active(self) -> list[TenantContext]:
        """Every active tenant, read now (the crons that go tenant by tenant)."""
        async with self.dbs.control_session() as session:
            rows = await session.scalars(select(Tenant).where(Tenant.state == "active")
                                         .order_by(Tenant.slug))
            return [TenantContext.from_row(r) for r in rows]

    async def _cached(self, key: str,
                      lookup: Callable[[], Awaitable[TenantContext | None]]
                      ) -> TenantContext | None:
        """Hits and misses are cached apart: a flood of invented host names can only ever
        evict other misses, never a tenant's entry."""
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        if self._misses.get(key, 0.0) > now:
            return None
        generation = self._generation
        tenant = await lookup()
        if generation == self._generation:
            expires = now + self.http.tenant_cache_ttl
            if tenant is None:
                if len(self._misses) >= _MAX_MISSES:
                    self._misses.clear()
                self._misses[key] = expires
            else:
                if len(self._cache) >= _MAX_ENTRIES:
                    self._cache.clear()
                self._cache[key] = (expires, tenant)
        return tenant

    async def _lookup(self, host: str) -> TenantContext | None:
        slug = self.slug_for_host(host)
        if slug is not None:
            query = select(Tenant).where(Tenant.slug == slug)
        else:
            query = (select(Tenant).join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
                     .where(TenantDomain.domain == host, TenantDomain.state == "verified"))
        async with self.dbs.control_session() as session:
            row = await session.scalar(query.execution_options(populate_existing=True))
            return TenantContext.from_row(row) if row is not None else None

    def invalidate(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._misses.clear()

    async def listen(self, redis: Redis, control_schema: str) -> None:
        """Drop the cache on every change message, and whenever the subscription (re)connects
        (anything may have changed while it was away); run as a task."""
        self.subscription = Subscription(
            redis, lambda _message: self.invalidate(), channels=[channel_name(control_schema)],
            on_connect=self._invalidated, on_lost=self.invalidate, name="tenant-cache")
        await self.subscription.run()

    async def _invalidated(self) -> None:
        self.invalidate()
