"""Host header validation and proxy headers, before anything else reads the request.

``ForwardedMiddleware`` runs first on every HTTP and WebSocket request:

- a ``Host`` that is not ``name[:port]`` or ``[ipv6][:port]`` (userinfo, spaces, two ports,
  control characters, several Host lines) is a 400 before tenant resolution, so nothing that
  builds a URL or resolves a tenant ever sees it;
- when the peer is a trusted proxy, ``X-Forwarded-Proto`` (its right-most value: the one the
  proxy that talks to us wrote) becomes the request's scheme, so cookies are ``Secure`` and
  links are https behind a TLS-terminating proxy. From anybody else both headers are ignored;
- the caller's address (``scope_client_ip``, worked out once when first asked): every
  ``X-Forwarded-For`` line is one list, walked from the right through the trusted proxies (a
  proxy that appends its own line cannot be outvoted).
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network, IPv6Network

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from argus.platform.core.errors import BadRequest
from argus.platform.core.netaddr import client_ip
from argus.platform.core.scope import extras

_HOST_RE = re.compile(
    r"^(?:(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
    r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?"
    r"|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)


def valid_host(host: str) -> bool:
    return len(host) <= 260 and _HOST_RE.match(host) is not None


_CLIENT_IP = "argus_client_ip"
_TRUSTED = "argus_trusted_proxies"


def header_values(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope["headers"] if k == name]


def scope_client_ip(scope: Scope) -> str | None:
    """The caller's address, worked out on first use with the trusted proxies
    ``ForwardedMiddleware`` left in the scope (most requests never ask)."""
    values = extras(scope)
    if _CLIENT_IP not in values:
        peer = scope.get("client")
        forwarded = ",".join(header_values(scope, b"x-forwarded-for")) or None
        addr = client_ip(peer[0] if peer else None, forwarded, values.get(_TRUSTED, ()))
        values[_CLIENT_IP] = str(addr) if addr is not None else None
    ip: str | None = values[_CLIENT_IP]
    return ip


class ForwardedMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, trusted: tuple[IPv4Network | IPv6Network, ...]) -> None:
        self.trusted = trusted

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        hosts = header_values(scope, b"host")
        if len(hosts) > 1 or (hosts and not valid_host(hosts[0])):
            raise BadRequest("the Host header is not a valid host name", field="Host",
                             code="bad_host")
        peer = scope.get("client")
        peer_ip = peer[0] if peer else None
        extras(scope)[_TRUSTED] = self.trusted
        proto = [p.strip().lower() for p in ",".join(header_values(scope, b"x-forwarded-proto"))
                 .split(",") if p.strip()]
        if proto and proto[-1] in ("http", "https") and self._trusted(peer_ip):
            secure = proto[-1] == "https"
            websocket = scope["type"] == ScopeType.WEBSOCKET
            scope["scheme"] = ("wss" if secure else "ws") if websocket else proto[-1]
        await next_app(scope, receive, send)

    def _trusted(self, peer: str | None) -> bool:
        addr = client_ip(peer, None, ()) if peer else None
        return addr is not None and any(addr in n for n in self.trusted)
