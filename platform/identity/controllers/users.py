"""``/api/v1/users`` and ``/api/v1/me``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.platform.core.guards import needs
from argus.platform.core.permissions import SELF_SERVICE
from argus.platform.core.principal import Principal
from argus.platform.identity.schemas import (
    PasswordChangeIn,
    UserCreateIn,
    UserOut,
    UserPage,
    UserPatchIn,
)
from argus.platform.identity.users import UserService

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
