"""The client's address, trusting ``X-Forwarded-For`` only from configured proxies."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IP = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ip_network(c, strict=False) for c in cidrs)


def client_ip(peer: str | None, forwarded_for: str | None,
              trusted: Iterable[Network]) -> IP | None:
    """Walk ``X-Forwarded-For`` from the right while the hop is a trusted proxy."""
    try:
        addr = ip_address(peer) if peer else None
    except ValueError:
        return None
    if addr is None or not forwarded_for or not any(addr in n for n in trusted):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            addr = ip_address(hop)
        except ValueError:
            return addr  # garbage from an untrusted hop: stop at the last good address
        if not any(addr in n for n in trusted):
            return addr
    return addr
