"""Wire types of the provider API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from argus.tenants.models import Tenant

# ``api_rate_limit``: requests per caller per minute on this tenant; 0 means "the deployment's
# default"; absent means "leave as it is".
RateLimit = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class TenantPut(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    plan: str | None = None
    domains: list[str] | None = None
    db_cluster: str | None = None
    api_rate_limit: RateLimit | None = None


class TenantPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    plan: str | None = None
    state: str | None = None
    api_rate_limit: RateLimit | None = None


class TenantOut(msgspec.Struct):
    id: str
    slug: str
    name: str
    state: str
    plan: str
    db_cluster: str
    domains: list[str]
    api_rate_limit: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls(id=tenant.id, slug=tenant.slug, name=tenant.name, state=tenant.state,
                   plan=tenant.plan, db_cluster=tenant.db_cluster,
                   domains=sorted(d.domain for d in tenant.domains),
                   api_rate_limit=tenant.api_rate_limit,
                   created_at=tenant.created_at, updated_at=tenant.updated_at)


class TenantPage(msgspec.Struct):
    items: list[TenantOut]
    next_cursor: str | None


class NodeOut(msgspec.Struct):
    id: str
    state: str
    live: bool
    rtmp_url: str
    hls_url: str
    capacity: int
    placed_cameras: int
    live_streams: int
    last_heartbeat_at: datetime | None
    problems: str | None


class NodePatch(msgspec.Struct, forbid_unknown_fields=True):
    """``draining``: no new camera is placed on the node and the node sweep moves the cameras
    placed there to live nodes (pull relays follow at once; push cameras keep publishing where
    they are until they reconnect elsewhere). ``active`` takes it back. ``offline`` is the
    sweep's own verdict on a silent node and cannot be set. Absent fields stay as they are."""

    state: Literal["active", "draining"] | None = None
    rtmp_url: str | None = None
    hls_url: str | None = None
    capacity: int | None = None


class NodeCreate(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    rtmp_url: str
    hls_url: str
    capacity: int = 100
    state: Literal["active", "draining"] = "active"


class NodeCreated(msgspec.Struct):
    node: NodeOut
    secret: str  # ARGUS_NODE_SECRET for `argus ingest run`; shown once


class KeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class KeyOut(msgspec.Struct):
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(msgspec.Struct):
    key: KeyOut
    secret: str  # the whole key; shown once


class KeyList(msgspec.Struct):
    items: list[KeyOut]


class NodeList(msgspec.Struct):
    items: list[NodeOut]
