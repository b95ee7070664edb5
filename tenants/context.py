"""``TenantContext``: the immutable view of a tenant that rides on a request or job."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_network
from typing import Any


@dataclass(frozen=True, slots=True)
class TenantContext:
    id: str
    slug: str
    name: str
    state: str
    plan: str
    db_cluster: str
    schema: str
    bucket: str
    # ip_network objects; typed loosely because Litestar's signature model (msgspec) cannot
    # describe a union of two custom classes.
    ip_allowlist: tuple[Any, ...] = ()
    api_rate_limit: int | None = None

    @classmethod
    def from_row(cls, row) -> TenantContext:
        networks = tuple(ip_network(n, strict=False) for n in (row.ip_allowlist or ()))
        return cls(id=row.id, slug=row.slug, name=row.name, state=row.state, plan=row.plan,
                   db_cluster=row.db_cluster, schema=row.schema, bucket=row.bucket,
                   ip_allowlist=networks, api_rate_limit=row.api_rate_limit)
