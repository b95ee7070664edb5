"""The one guard of every tenant route: the caller holds the route's permission.

Routes say ``opt={"permission": "<name>"}`` (see ``permissions.MATRIX``), ``"self"`` for what any
signed-in person may do to themselves, or ``opt={"public": True}``. A route that says nothing is
refused to everyone: forgetting the declaration fails closed.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from argus.platform.core.errors import Forbidden, Unauthorized
from argus.platform.core.permissions import SELF_SERVICE
from argus.platform.core.principal import Principal


def require_permission(connection: ASGIConnection[Any, Any, Any, Any],
                       handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal):
        raise Unauthorized("authentication required")
    permission = handler.opt.get("permission")
    if permission is None:
        raise Forbidden("this route declares no permission", code="forbidden")
    if permission == SELF_SERVICE:
        if principal.kind != "user":
            raise Forbidden("API tokens cannot do this; sign in", code="forbidden")
        return
    if not principal.can(permission):
        raise Forbidden(f"this needs the {permission!r} permission", code="forbidden")


def public() -> dict[str, Any]:
    return {"public": True}


def needs(permission: str) -> dict[str, Any]:
    return {"permission": permission}
