"""``/api/v1/api-tokens``."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from argus.platform.core.guards import needs
from argus.platform.identity.api_tokens import ApiTokenService
from argus.platform.identity.schemas import ApiTokenCreated, ApiTokenIn, ApiTokenOut

Tokens = NamedDependency[ApiTokenService]


class ApiTokensController(Controller):
    path = "/api-tokens"
    tags = ["api-tokens"]

    @get("/", opt=needs("tokens:own"),
         summary="Your tokens (all tokens with tokens:manage); secrets are never shown again")
    async def list_tokens(self, token_service: Tokens,
                          user_id: FromQuery[str | None] = None) -> list[ApiTokenOut]:
        return [ApiTokenOut.of(t) for t in await token_service.list(user_id)]

    @post("/", opt=needs("tokens:own"), summary="Create a token; the secret is shown once")
    async def create_token(self, data: JSONBody[ApiTokenIn],
                           token_service: Tokens) -> Response[ApiTokenCreated]:
        row, secret = await token_service.create(data.name, data.scopes, data.expires_at,
                                                 data.ip_allowlist, data.user_id)
        out = ApiTokenCreated(**{f: getattr(ApiTokenOut.of(row), f)
                                 for f in ApiTokenOut.__struct_fields__}, secret=secret)
        return Response(out, status_code=201, headers={"Cache-Control": "no-store"})

    @delete("/{token_id:str}", opt=needs("tokens:own"), summary="Revoke a token")
    async def revoke_token(self, token_id: FromPath[str], token_service: Tokens) -> None:
        await token_service.revoke(token_id)
