"""``TenantContext``: the immutable view of a tenant that rides on a request or job."""

from __future__ import annotations

from dataclasses import dataclass


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

    @classmethod
    def from_row(cls, row) -> TenantContext:
        return cls(id=row.id, slug=row.slug, name=row.name, state=row.state, plan=row.plan,
                   db_cluster=row.db_cluster, schema=row.schema, bucket=row.bucket)
