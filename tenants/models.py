"""Control-schema tables that describe tenants: ``tenants`` and ``tenant_domains``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Computed, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from argus.platform.core.db import ControlBase, UTCDateTime, utcnow

STATES = ("provisioning", "active", "suspended", "deleting")


class Tenant(ControlBase):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), index=True)
    plan: Mapped[str] = mapped_column(String(32))
    db_cluster: Mapped[str] = mapped_column(String(32))
    schema: Mapped[str] = mapped_column("schema", String(64), unique=True)
    bucket: Mapped[str] = mapped_column(String(63), unique=True)
    ip_allowlist: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Permissions granted beyond the role matrix: {"viewer": ["clips:export"]} (None: none).
    role_grants: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    # Requests per caller per window; None means the deployment's ARGUS_API_RATE_LIMIT.
    api_rate_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    storage_bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # recordings in the bucket
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", lazy="selectin",
        order_by="TenantDomain.domain",
    )


class TenantDomain(ControlBase):
    """A host name that resolves to a tenant once ``state`` is ``verified``.

    Domains set by the provider are trusted and verified at once; domains a tenant adds itself
    go through DNS/HTTP verification (branding issue). Several tenants may claim one domain;
    the first to verify it holds it and the others' claims are dropped.
    """

    __tablename__ = "tenant_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    state: Mapped[str] = mapped_column(String(16), default="verified")
    source: Mapped[str] = mapped_column(String(16), default="provider")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    token: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The domain while verified, else NULL: its unique index lets one tenant at most hold a
    # domain verified while any number of others have pending or failed claims on it.
    verified_domain: Mapped[str | None] = mapped_column(
        String(253), Computed("CASE WHEN state = 'verified' THEN domain END", persisted=True),
        unique=True)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")
