"""Litestar dependencies for tenant routes: ``tenant`` and ``db_session``.

``tenant`` resolves the Host header (unknown → 404, suspended → 403, still provisioning → 503);
``db_session`` is an ``AsyncSession`` on the tenant's cluster whose statements render into the
tenant's schema. The session closes with the request and never commits on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.errors import NotFound, ServiceUnavailable, TenantUnavailable
from argus.platform.observability.request_log import log_fields
from argus.tenants.context import TenantContext


async def provide_tenant(request: Request) -> TenantContext:
    host = request.headers.get("host", "")
    tenant = await request.app.state.resolver.resolve(host)
    if tenant is None or tenant.state == "deleting":
        raise NotFound("no tenant is served at this host", code="unknown_host")
    log_fields(request.scope)["tenant"] = tenant.slug
    if tenant.state == "suspended":
        raise TenantUnavailable("this tenant is suspended", code="tenant_suspended")
    if tenant.state != "active":
        raise ServiceUnavailable("this tenant is being set up; retry shortly",
                                 code="tenant_provisioning")
    return tenant


async def provide_tenant_session(
        request: Request, tenant: NamedDependency[TenantContext]) -> AsyncIterator[AsyncSession]:
    try:
        maker = request.app.state.dbs.tenant_sessions(tenant.db_cluster, tenant.schema)
    except LookupError:
        raise ServiceUnavailable("this tenant's database cluster is not configured here",
                                 code="cluster_unavailable") from None
    async with maker() as session:
        yield session


TENANT_DEPENDENCIES = {
    "tenant": Provide(provide_tenant),
    "db_session": Provide(provide_tenant_session),
}
