"""``/provider/v1/provider-keys``: the provider's API keys (create: the key is in the answer,
once; list and show by public prefix; delete revokes at once). A key cannot revoke itself."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, get, post
from litestar import delete as delete_route
from litestar.params import FromPath, JSONBody

from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.platform.core.errors import Conflict, NotFound
from argus.platform.provider.keys import create_key, key_prefix, list_keys, revoke_key
from argus.platform.provider.models import ProviderApiKey
from argus.platform.provider.schemas import KeyCreate, KeyCreated, KeyList, KeyOut

log = structlog.get_logger("argus.provider")


def _out(row: ProviderApiKey) -> KeyOut:
    return KeyOut(row.prefix, row.name, row.created_at, row.last_used_at, row.revoked_at)


async def _find(dbs: Databases, prefix: str) -> ProviderApiKey:
    for row in await list_keys(dbs):
        if row.prefix == prefix:
            return row
    raise NotFound(f"no provider key with prefix {prefix!r}", field="prefix")


class ProviderKeyController(Controller):
    path = "/provider-keys"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @post("/", summary="Create a named key (the whole key is in this answer only)")
    async def create(self, data: JSONBody[KeyCreate], dbs: Provided[Databases]) -> KeyCreated:
        secret = await create_key(dbs, data.name)
        log.warning("provider.key_created", prefix=key_prefix(secret), name=data.name)
        return KeyCreated(_out(await _find(dbs, key_prefix(secret))), secret)

    @get("/", summary="Every key, oldest first (prefixes only)")
    async def list_all(self, dbs: Provided[Databases]) -> KeyList:
        return KeyList([_out(row) for row in await list_keys(dbs)])

    @get("/{prefix:str}", summary="One key by its public prefix")
    async def show(self, prefix: FromPath[str], dbs: Provided[Databases]) -> KeyOut:
        return _out(await _find(dbs, prefix))

    @delete_route("/{prefix:str}", summary="Revoke a key at once (not the one making the call)")
    async def revoke(self, prefix: FromPath[str], request: Request[Any, Any, Any],
                     dbs: Provided[Databases]) -> None:
        caller = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if key_prefix(caller) == prefix:
            raise Conflict("a key cannot revoke itself; use another key", field="prefix")
        if not await revoke_key(dbs, prefix):
            raise NotFound(f"no provider key with prefix {prefix!r}", field="prefix")
        log.warning("provider.key_revoked", prefix=prefix)
