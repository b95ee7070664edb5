"""Wire types of the identity API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from argus.platform.identity.models import ApiToken, User
from argus.tenants.context import TenantContext


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class LoginIn(Strict):
    email: str
    password: str
    cookie: bool = False


class RefreshIn(Strict):
    refresh_token: str | None = None


class ResetRequestIn(Strict):
    email: str


class ResetConfirmIn(Strict):
    token: str
    new_password: str


class InviteAcceptIn(Strict):
    token: str
    password: str
    name: str | None = None


class PasswordChangeIn(Strict):
    current_password: str
    new_password: str


class UserOut(msgspec.Struct):
    id: str
    email: str
    name: str
    role: str
    state: str
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(u.id, u.email, u.name, u.role, u.state, u.last_login_at, u.created_at,
                   u.updated_at)


class TokensOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: UserOut
    csrf_token: str | None = None


class UserCreateIn(Strict):
    email: str
    name: str
    role: str
    password: str | None = None


class UserPatchIn(Strict):
    name: str | None = None
    role: str | None = None
    state: str | None = None


class UserPage(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None


class ApiTokenIn(Strict):
    name: str
    scopes: list[str]
    expires_at: datetime | None = None
    ip_allowlist: list[str] | None = None
    user_id: str | None = None


class ApiTokenOut(msgspec.Struct):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    user_id: str
    created_by: str
    ip_allowlist: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, t: ApiToken) -> ApiTokenOut:
        return cls(t.id, t.name, t.prefix, t.scopes, t.user_id, t.created_by, t.ip_allowlist,
                   t.created_at, t.expires_at, t.last_used_at)


class ApiTokenCreated(ApiTokenOut):
    secret: str = ""


class IpAllowlist(Strict):
    ip_allowlist: list[str]


class RoleGrants(Strict):
    """Role → permissions granted beyond the matrix, e.g. ``{"viewer": ["clips:export"]}``."""

    grants: dict[str, list[str]]

    @classmethod
    def of(cls, tenant: TenantContext) -> RoleGrants:
        out: dict[str, list[str]] = {}
        for role, permission in tenant.role_grants:
            out.setdefault(role, []).append(permission)
        return cls(out)
