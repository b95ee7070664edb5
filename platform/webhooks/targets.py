"""Where a webhook may go: ``http(s)`` URLs whose host resolves only to global addresses
(unless ``ARGUS_WEBHOOK_ALLOW_PRIVATE``). The host is resolved once per attempt and the
connection is made to the address that was checked, so a name cannot be rebound between the
check and the request."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from argus.platform.core.errors import Invalid


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (Host header, TLS server name)
    port: int
    address: str  # the checked address the connection goes to
    path: str  # path and query


def check_url(url: str) -> None:
    """The URL's shape (what can be checked without DNS): 422 naming ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url must be an http:// or https:// URL with a host", field="url")
    if parts.username or parts.password:
        raise Invalid("url must not carry a user name or password", field="url")
    if len(url) > 2000:
        raise Invalid("url is longer than 2000 characters", field="url")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise Invalid("url has an invalid port", field="url")


def allowed(address: str, allow_private: bool) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return allow_private or ip.is_global


async def resolve(url: str, allow_private: bool) -> Target:
    """The target of ``url`` with one address that passed the check; 422 naming ``url``
    when the host does not resolve or resolves to a non-global address."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # a literal needs no lookup
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                                 type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise Invalid(f"the host {host!r} does not resolve", field="url") from None
        addresses = [str(info[4][0]) for info in infos]
    refused = [a for a in addresses if not allowed(a, allow_private)]
    if not addresses or refused:
        raise Invalid(f"the host {host!r} resolves to a private, loopback or reserved address "
                      f"({refused[0] if refused else 'none'}); webhooks go to public "
                      "addresses only", field="url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, addresses[0], path)
