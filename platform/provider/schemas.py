"""Wire types of the provider API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from argus.tenants.models import Tenant


class TenantPut(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    plan: str | None = None
    domains: list[str] | None = None
    db_cluster: str | None = None


class TenantPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    plan: str | None = None
    state: str | None = None


class TenantOut(msgspec.Struct):
    id: str
    slug: str
    name: str
    state: str
    plan: str
    db_cluster: str
    domains: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls(id=tenant.id, slug=tenant.slug, name=tenant.name, state=tenant.state,
                   plan=tenant.plan, db_cluster=tenant.db_cluster,
                   domains=sorted(d.domain for d in tenant.domains),
                   created_at=tenant.created_at, updated_at=tenant.updated_at)


class TenantPage(msgspec.Struct):
    items: list[TenantOut]
    next_cursor: str | None
