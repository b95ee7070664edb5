"""Guards of ``/provider/v1``: the provider host only, then a valid provider key.

On a tenant's host the provider API does not exist (404), whatever the configuration; with
``ARGUS_PROVIDER_ANY_HOST`` it also answers on hosts that are no tenant's.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from argus.platform.core.errors import NotFound, Unauthorized
from argus.platform.provider.keys import verify_key
from argus.tenants.slugs import normalize_host


async def provider_host_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    state = connection.app.state
    host = normalize_host(connection.headers.get("host", ""))
    if host == state.settings.http.provider_host:
        return
    if state.settings.http.provider_any_host and await state.resolver.resolve(host) is None:
        return
    raise NotFound("not found", code="not_found")


async def provider_key_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    scheme, _sep, key = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("a provider key is required: Authorization: Bearer <key>")
    if not await verify_key(connection.app.state.dbs, key.strip()):
        raise Unauthorized("the provider key is not valid")
