"""RTSP URLs: where a pull camera may point, and how its credentials are hidden.

A pull camera makes an ingest node connect wherever its URL says, so an unchecked URL is an
SSRF and a port scanner (loopback, link-local cloud metadata, the node's own network). Unless
the deployment sets ``ARGUS_RTSP_ALLOW_PRIVATE`` (an on-premises install whose cameras are on
the LAN), a URL must name a globally routable address: checked when a camera is created or
changed (a name that does not resolve yet is let through) and again by the node's relay, which
resolves the name itself and hands ffmpeg the checked address (no DNS rebinding in between).

Credentials ride in the user-info (``rtsp://user:pass@host``) or, on some vendors, in the query
(``?user=..&password=..``, ``&pwd=``): ``mask_credentials`` hides both wherever a URL is
returned, logged or put into a status reason.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit, urlunsplit

from argus.platform.core.errors import Invalid

_USERINFO = re.compile(r"((?:rtsps?|rtmps?|https?)://)[^@/\s?#]+@", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"([?&;](?:user(?:name)?|usr|login|password|passwd|pass|pwd|psw|secret|token|auth|"
    r"key|apikey|api_key|code)=)[^&;#\s]*", re.IGNORECASE)
RESOLVE_TIMEOUT = 3.0


class RtspRefused(Exception):
    """The URL points somewhere this deployment does not pull from (the reason is safe)."""


def mask_credentials(text: str) -> str:
    return _SECRET_PARAM.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


def mask_rtsp_url(url: str | None) -> str | None:
    """The RTSP URL with its password (and query credentials) replaced by ``***``."""
    if not url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{parts.username or ''}:***@{netloc.rsplit('@', 1)[-1]}"
    query = mask_credentials("?" + parts.query)[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _not_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def _resolve(host: str) -> list[str]:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host.strip("[]")]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    return list(dict.fromkeys(info[4][0] for info in infos))


async def check_rtsp_url(url: str, allow_private: bool) -> None:
    """For the API: refuse a URL that names (or resolves to) a non-public address."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = await _resolve(host)
    except (OSError, TimeoutError, UnicodeError):
        return  # not resolvable from here (yet): the relay checks again before connecting
    if any(_not_public(a) for a in addresses):
        raise Invalid("rtsp_url must point at a public address (this deployment does not pull "
                      "from private, loopback or link-local networks)", field="rtsp_url")


async def pinned_rtsp_url(url: str, allow_private: bool) -> str:
    """For the relay: the URL with its host replaced by the checked address it resolves to."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = await _resolve(host)
    except (OSError, TimeoutError, UnicodeError):
        raise RtspRefused(f"cannot resolve {host!r}") from None
    if allow_private:
        return url
    public = [a for a in addresses if not _not_public(a)]
    if not public or len(public) != len(addresses):
        raise RtspRefused("the address is not public (private, loopback or link-local)")
    if parts.scheme == "rtsps":
        return url  # TLS needs the name; the check above stands
    addr = public[0]
    literal = f"[{addr}]" if ":" in addr else addr
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{userinfo}{literal}{port}", parts.path, parts.query, ""))
