"""The keys Argus adds to an ASGI scope (``argus_client_ip``, ``argus_tenant``, ...).

Litestar types the scope as a ``TypedDict`` of the ASGI keys; ``extras(scope)`` is the same
dict seen as a plain mapping, so what a middleware leaves for the handlers is typed honestly.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, cast


def extras(scope: Any) -> MutableMapping[str, Any]:
    return cast("MutableMapping[str, Any]", scope)
