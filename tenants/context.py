"""``TenantContext``: the immutable view of a tenant that rides on a request or job."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_network
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect

if TYPE_CHECKING:
    from argus.tenants.models import Tenant


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
    # The tenant's primary custom domain: its oldest verified one (None: ``<slug>.<base>``).
    primary_domain: str | None = None
    # (role, permission) pairs the tenant grants beyond the matrix (``permissions.GRANTABLE``).
    role_grants: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_row(cls, row: Tenant) -> TenantContext:
        networks = tuple(ip_network(n, strict=False) for n in (row.ip_allowlist or ()))
        return cls(id=row.id, slug=row.slug, name=row.name, state=row.state, plan=row.plan,
                   db_cluster=row.db_cluster, schema=row.schema, bucket=row.bucket,
                   ip_allowlist=networks, api_rate_limit=row.api_rate_limit,
                   primary_domain=primary_domain(row),
                   role_grants=tuple(sorted((role, p) for role, perms
                                            in (row.role_grants or {}).items() for p in perms)))


def primary_domain(row: Tenant) -> str | None:
    """The oldest verified domain of a tenant row (domains not loaded: None)."""
    if "domains" in inspect(row).unloaded:
        return None
    verified = [d for d in row.domains if d.state == "verified"]
    if not verified:
        return None
    return min(verified, key=lambda d: (d.verified_at or d.created_at, d.domain)).domain
