"""``Principal``: who is calling, as the auth middleware established it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # "user" (JWT or session cookie) or "token" (API token)
    user_id: str
    label: str  # the user's email, or the token's name
    role: str
    permissions: frozenset[str]
    token_id: str | None = None  # API token id
    jti: str | None = None  # access token id
    family_id: str | None = None  # refresh-token family of the session
    expires_at: datetime | None = None
    via_cookie: bool = False
    issued_ms: int = 0
    # An API token's own limits (ip_network objects): a token it creates stays inside them.
    # (ip_network objects, typed loosely: Litestar's signature model cannot describe a union
    # of two custom classes)
    ip_allowlist: tuple[Any, ...] = ()

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def actor_type(self) -> str:
        return self.kind

    @property
    def actor_id(self) -> str:
        return self.token_id if self.kind == "token" and self.token_id else self.user_id
