"""Guards of ``/provider/v1``: the provider host only, then a valid provider key.

On a tenant's host the provider API does not exist (404), whatever the configuration; with
``ARGUS_PROVIDER_ANY_HOST`` it also answers on hosts that are no tenant's. The app factory puts
``provider_guards(...)`` on the router that mounts the provider controllers.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from argus.platform.core.db import Databases
from argus.platform.core.errors import NotFound, Unauthorized
from argus.platform.core.settings import HttpSettings
from argus.platform.provider.keys import verify_key
from argus.tenants.resolution import TenantResolver
from argus.tenants.slugs import normalize_host


def provider_guards(http: HttpSettings, dbs: Databases, resolver: TenantResolver) -> list[Guard]:
    async def provider_host_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        host = normalize_host(connection.headers.get("host", ""))
        if host == http.provider_host:
            return
        if http.provider_any_host and await resolver.resolve(host) is None:
            return
        raise NotFound("not found", code="not_found")

    async def provider_key_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        scheme, _sep, key = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise Unauthorized("a provider key is required: Authorization: Bearer <key>")
        if not await verify_key(dbs, key.strip()):
            raise Unauthorized("the provider key is not valid")

    return [provider_host_guard, provider_key_guard]
