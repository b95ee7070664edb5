"""``/api/v1/auth``: sign-in, refresh, sign-out, password reset, invite acceptance."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs, public
from argus.platform.core.permissions import SELF_SERVICE
from argus.platform.core.principal import Principal
from argus.platform.identity.auth import AuthService, TokenPair
from argus.platform.identity.cookies import (
    REFRESH_COOKIE,
    clear_session_cookies,
    read_cookies,
    set_session_cookies,
)
from argus.platform.identity.schemas import (
    InviteAcceptIn,
    LoginIn,
    RefreshIn,
    ResetConfirmIn,
    ResetRequestIn,
    TokensOut,
    UserOut,
)

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
