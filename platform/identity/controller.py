"""Identity routes under ``/api/v1``.

``/api/v1/auth``: sign-in, refresh, sign-out, password reset, invite acceptance.

``/api/v1/users`` and ``/api/v1/me``.

``/api/v1/api-tokens``.

``/api/v1/settings/ip-allowlist``: the tenant's CIDR allowlist for its UI and API;
``/api/v1/settings/role-grants``: permissions granted to roles beyond the matrix.

Both are kept on the tenant's control row (they are needed before anything else runs); every
process learns of a change through the tenant-changed channel. A list that would lock out the
admin making the change is refused.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.platform.audit.service import Audit
from argus.platform.core.di import Provided
from argus.platform.core.errors import Invalid
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.guards import needs, public
from argus.platform.core.permissions import SELF_SERVICE, clean_grants
from argus.platform.core.principal import Principal
from argus.platform.identity.api_tokens import ApiTokenService
from argus.platform.identity.auth import AuthService, TokenPair
from argus.platform.identity.cookies import (
    REFRESH_COOKIE,
    clear_session_cookies,
    read_cookies,
    set_session_cookies,
)
from argus.platform.identity.schemas import (
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenOut,
    InviteAcceptIn,
    IpAllowlist,
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    ResetConfirmIn,
    ResetRequestIn,
    RoleGrants,
    TokensOut,
    UserCreateIn,
    UserOut,
    UserPage,
    UserPatchIn,
)
from argus.platform.identity.users import UserService
from argus.tenants.context import TenantContext
from argus.tenants.service import TenantService

Auth = NamedDependency[AuthService]


def _tokens_response(request: Request, auth_service: AuthService, pair: TokenPair, cookie: bool,
                     status_code: int = 200) -> Response[TokensOut]:
    body = TokensOut(access_token=pair.access_token, token_type="Bearer",
                     expires_in=pair.expires_in, refresh_token=pair.refresh_token,
                     refresh_expires_in=pair.refresh_expires_in, user=UserOut.of(pair.user))
    response = Response(body, status_code=status_code, headers={"Cache-Control": "no-store"})
    if cookie:
        body.csrf_token = set_session_cookies(
            response, request, pair.access_token, pair.expires_in, pair.refresh_token,
            pair.refresh_expires_in, auth_service.identity.settings.cookie_secure)
    return response


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", opt=public(), status_code=200, summary="Sign in with e-mail and password")
    async def login(self, request: Request, data: JSONBody[LoginIn],
                    auth_service: Auth) -> Response[TokensOut]:
        pair = await auth_service.login(data.email, data.password)
        return _tokens_response(request, auth_service, pair, data.cookie)

    @post("/refresh", opt=public(), status_code=200,
          summary="Rotate the refresh token; get a new access token")
    async def refresh(self, request: Request, data: JSONBody[RefreshIn],
                      auth_service: Auth) -> Response[TokensOut]:
        from_cookie = data.refresh_token is None
        token = read_cookies(request.scope).get(REFRESH_COOKIE) if from_cookie \
            else data.refresh_token
        if not token:
            raise Invalid("refresh_token is required", field="refresh_token")
        return _tokens_response(request, auth_service, await auth_service.refresh(token),
                                from_cookie)

    @post("/logout", opt=needs(SELF_SERVICE), status_code=204,
          summary="End this session: the refresh family and this access token")
    async def logout(self, auth_service: Auth,
                     principal: NamedDependency[Principal]) -> Response[None]:
        await auth_service.logout(principal)
        response = Response(None, status_code=204)
        clear_session_cookies(response)
        return response

    @post("/password-reset", opt=public(), status_code=202,
          summary="Mail a one-time password-reset link (the answer is the same for any e-mail)")
    async def request_reset(self, base_url: NamedDependency[str], data: JSONBody[ResetRequestIn],
                            auth_service: Auth) -> dict[str, str]:
        await auth_service.request_reset(data.email, base_url)
        return {"status": "accepted"}

    @post("/password-reset/confirm", opt=public(), status_code=204,
          summary="Set a new password with a reset link's token")
    async def confirm_reset(self, data: JSONBody[ResetConfirmIn], auth_service: Auth) -> None:
        await auth_service.confirm_reset(data.token, data.new_password)

    @post("/invite/accept", opt=public(), status_code=200,
          summary="Accept an invite: choose a password")
    async def accept_invite(self, data: JSONBody[InviteAcceptIn],
                            auth_service: Auth) -> UserOut:
        return UserOut.of(await auth_service.accept_invite(data.token, data.password,
                                                           data.name))


Users = NamedDependency[UserService]


class UsersController(Controller):
    path = "/users"
    tags = ["users"]

    @get("/", opt=needs("users:read"), summary="List users (cursor pagination by e-mail)")
    async def list_users(
        self, user_service: Users,
        role: FromQuery[str | None] = None,
        state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
        q: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> UserPage:
        rows, next_cursor = await user_service.list(role=role, state=state_filter, q=q,
                                                    cursor=cursor, limit=limit)
        return UserPage([UserOut.of(u) for u in rows], next_cursor)

    @post("/", opt=needs("users:write"),
          summary="Invite a user (a one-time link is mailed) or create one with a password")
    async def create_user(self, base_url: NamedDependency[str], data: JSONBody[UserCreateIn],
                          user_service: Users) -> Response[UserOut]:
        user = await user_service.create(data.email, data.name, data.role, data.password,
                                         base_url)
        return Response(UserOut.of(user), status_code=201)

    @get("/{user_id:str}", opt=needs("users:read"))
    async def get_user(self, user_id: FromPath[str], user_service: Users) -> UserOut:
        return UserOut.of(await user_service.get(user_id))

    @patch("/{user_id:str}", opt=needs("users:write"),
           summary="Change name, role or state (active/disabled)")
    async def patch_user(self, user_id: FromPath[str], data: JSONBody[UserPatchIn],
                         user_service: Users) -> UserOut:
        return UserOut.of(await user_service.update(user_id, name=data.name, role=data.role,
                                                    state=data.state))

    @delete("/{user_id:str}", opt=needs("users:write"))
    async def delete_user(self, user_id: FromPath[str], user_service: Users) -> None:
        await user_service.delete(user_id)


class MeController(Controller):
    path = "/me"
    tags = ["users"]

    @get("/", opt=needs(SELF_SERVICE), summary="The signed-in user")
    async def me(self, principal: NamedDependency[Principal], user_service: Users) -> UserOut:
        return UserOut.of(await user_service.get(principal.user_id))

    @post("/password", opt=needs(SELF_SERVICE), status_code=204,
          summary="Change one's own password (ends every session)")
    async def change_password(self, data: JSONBody[PasswordChangeIn],
                              user_service: Users) -> None:
        await user_service.change_password(data.current_password, data.new_password)


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


class AccessSettingsController(Controller):
    path = "/settings"
    tags = ["settings"]

    @get("/ip-allowlist", opt=needs("settings:read"))
    async def get_allowlist(self, tenant: NamedDependency[TenantContext]) -> IpAllowlist:
        return IpAllowlist([str(n) for n in tenant.ip_allowlist])

    @put("/ip-allowlist", opt=needs("settings:write"),
         summary="Replace the allowlist (empty list: every address may connect)")
    async def put_allowlist(self, request: Request, data: JSONBody[IpAllowlist],
                            tenant_service: Provided[TenantService],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit]) -> IpAllowlist:
        if len(data.ip_allowlist) > 100:
            raise Invalid("at most 100 entries", field="ip_allowlist")
        try:
            networks = sorted({ip_network(c.strip(), strict=False) for c in data.ip_allowlist},
                              key=lambda n: (n.version, n))
        except ValueError:
            raise Invalid("ip_allowlist holds an invalid CIDR", field="ip_allowlist") from None
        caller = scope_client_ip(request.scope)
        if networks and (caller is None
                         or not any(ip_address(caller) in n for n in networks)):
            raise Invalid(f"the list must include your own address ({caller})",
                          field="ip_allowlist")
        cidrs = [str(n) for n in networks]
        audit.record("settings.ip_allowlist", "tenant", tenant.id, detail={"ip_allowlist": cidrs})
        await audit.session.flush()
        await tenant_service.set_ip_allowlist(tenant.slug, cidrs)
        await audit.session.commit()
        return IpAllowlist(cidrs)

    @get("/role-grants", opt=needs("settings:read"),
         summary="Permissions this tenant grants to roles beyond the role matrix")
    async def get_grants(self, tenant: NamedDependency[TenantContext]) -> RoleGrants:
        return RoleGrants.of(tenant)

    @put("/role-grants", opt=needs("settings:write"),
         summary="Replace the grants (e.g. {\"viewer\": [\"clips:export\"]}; {}: none)")
    async def put_grants(self, data: JSONBody[RoleGrants],
                         tenant_service: Provided[TenantService],
                         tenant: NamedDependency[TenantContext],
                         audit: NamedDependency[Audit]) -> RoleGrants:
        grants = clean_grants(data.grants)
        audit.record("settings.role_grants", "tenant", tenant.id, detail={"grants": grants})
        await audit.session.flush()
        await tenant_service.set_role_grants(tenant.slug, grants)
        await audit.session.commit()
        return RoleGrants(grants)
