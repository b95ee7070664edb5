"""The tenant of a request, and the Litestar dependencies of tenant routes (``tenant``,
``db_session``).

``request_tenant`` resolves the Host header once per request (unknown → 404, suspended → 403,
still provisioning → 503) and enforces the tenant's IP allowlist on the client address
``ForwardedMiddleware`` worked out. The auth middleware calls it first; the
``tenant`` dependency reuses its result. ``db_session`` is an ``AsyncSession`` on the tenant's
cluster whose statements render into the tenant's schema; it never commits on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_address
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import Databases
from argus.platform.core.errors import (
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TenantUnavailable,
)
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.logging import log_fields
from argus.platform.core.scope import extras
from argus.tenants.context import TenantContext
from argus.tenants.resolution import TenantResolver

_TENANT = "argus_tenant"


def scope_tenant(scope: Scope) -> TenantContext:
    """The tenant ``request_tenant`` already resolved for this request."""
    tenant: TenantContext = extras(scope)[_TENANT]
    return tenant


async def request_tenant(scope: Scope, resolver: TenantResolver) -> TenantContext:
    cached: TenantContext | None = extras(scope).get(_TENANT)
    if cached is not None:
        return cached
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
    tenant = await resolver.resolve(host)
    if tenant is None or tenant.state == "deleting":
        raise NotFound("no tenant is served at this host", code="unknown_host")
    log_fields(scope)["tenant"] = tenant.slug
    if tenant.state == "suspended":
        raise TenantUnavailable("this tenant is suspended", code="tenant_suspended")
    if tenant.state != "active":
        raise ServiceUnavailable("this tenant is being set up; retry shortly",
                                 code="tenant_provisioning")
    if tenant.ip_allowlist:
        ip = scope_client_ip(scope)
        if ip is None or not any(ip_address(ip) in net for net in tenant.ip_allowlist):
            raise Forbidden("your address is not on this tenant's allowlist",
                            code="ip_not_allowed")
    extras(scope)[_TENANT] = tenant
    return tenant


async def provide_tenant(request: Request[Any, Any, Any]) -> TenantContext:
    return scope_tenant(request.scope)


def tenant_dependencies(dbs: Databases) -> dict[str, Provide]:
    """``tenant`` and ``db_session`` for tenant routes (``dbs`` is the process's own)."""

    async def provide_tenant_session(tenant: NamedDependency[TenantContext]
                                     ) -> AsyncIterator[AsyncSession]:
        async with dbs.tenant_session(tenant) as session:
            yield session

    return {"tenant": Provide(provide_tenant), "db_session": Provide(provide_tenant_session)}
