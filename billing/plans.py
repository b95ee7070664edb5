"""Plans (control schema): what a tenant may do and what it pays, and each tenant's plan history.

A plan's limits are ``None`` when unlimited; money is in integer minor units of ``currency``
(cents for USD). ``PlanBook`` reads plans for the quota checks with a cache of at most
``CACHE_SECONDS``, so a plan the provider raises is in force on every replica within seconds
(a tenant's *move* to another plan takes effect at once: the tenant cache is invalidated
through Redis). ``tenant_plan_changes`` records every plan a tenant was on, from when, for
invoices that split a month.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import ControlBase, Databases, UTCDateTime, utcnow
from argus.platform.core.errors import Conflict, Invalid, NotFound

DEFAULT_PLAN = "standard"
CACHE_SECONDS = 2.0
_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Plan(ControlBase):
    __tablename__ = "plans"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    price_per_camera_month: Mapped[int] = mapped_column(Integer, default=0)
    included_cameras: Mapped[int] = mapped_column(Integer, default=0)
    max_cameras: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_bitrate_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    abr_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    low_latency_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    storage_included_gb: Mapped[int] = mapped_column(Integer, default=0)
    storage_overage_per_gb_month: Mapped[int] = mapped_column(Integer, default=0)
    egress_included_gb: Mapped[int] = mapped_column(Integer, default=0)
    egress_overage_per_gb: Mapped[int] = mapped_column(Integer, default=0)
    clip_exports_per_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    api_rate_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    custom_domains: Mapped[int | None] = mapped_column(Integer, nullable=True)
    powered_by_removable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TenantPlanChange(ControlBase):
    """From ``effective_at`` on, the tenant was on ``plan`` (until its next row)."""

    __tablename__ = "tenant_plan_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           index=True)
    plan: Mapped[str] = mapped_column(String(32))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Limits:
    """A plan as the quota checks and the wire see it (no ORM state, safe to cache)."""

    name: str
    currency: str = "USD"
    price_per_camera_month: int = 0
    included_cameras: int = 0
    max_cameras: int | None = None
    max_bitrate_kbps: int | None = None
    max_height: int | None = None
    max_retention_days: int | None = None
    abr_allowed: bool = True
    low_latency_allowed: bool = True
    storage_included_gb: int = 0
    storage_overage_per_gb_month: int = 0
    egress_included_gb: int = 0
    egress_overage_per_gb: int = 0
    clip_exports_per_month: int | None = None
    api_rate_limit: int | None = None
    custom_domains: int | None = None
    powered_by_removable: bool = False

    @classmethod
    def of(cls, row: Plan) -> Limits:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def validate_name(name: str) -> str:
    if not _NAME.match(name):
        raise Invalid("plan names are 2-32 characters: a-z first, then a-z, 0-9, '-' or '_'",
                      field="name")
    return name


def validate_limits(limits: Limits) -> Limits:
    validate_name(limits.name)
    if not _CURRENCY.match(limits.currency):
        raise Invalid("currency is a three-letter ISO 4217 code in capitals", field="currency")
    for key, value in limits.values().items():
        if isinstance(value, int) and not isinstance(value, bool) and not \
                0 <= value <= 2_000_000_000:
            raise Invalid(f"{key} must be between 0 and 2000000000", field=key)
    return limits


async def check_plan(session: AsyncSession, name: str) -> str:
    """``name`` if such a plan exists, else ``Invalid`` naming ``plan``."""
    if await session.get(Plan, name) is None:
        known = ", ".join(await session.scalars(select(Plan.name).order_by(Plan.name)))
        raise Invalid(f"unknown plan {name!r} (plans: {known})", field="plan")
    return name


def record_plan(session: AsyncSession, tenant_id: str, plan: str, at: datetime) -> None:
    """Add the plan-history row to the caller's transaction (commit it with the change)."""
    session.add(TenantPlanChange(tenant_id=tenant_id, plan=plan, effective_at=at))


async def plan_history(session: AsyncSession, tenant_id: str) -> list[TenantPlanChange]:
    return list(await session.scalars(
        select(TenantPlanChange).where(TenantPlanChange.tenant_id == tenant_id)
        .order_by(TenantPlanChange.effective_at, TenantPlanChange.id)))


class PlanBook:
    """Plans for the quota checks, read at most ``CACHE_SECONDS`` ago, and their upkeep."""

    def __init__(self, dbs: Databases) -> None:
        self.dbs = dbs
        self._cache: dict[str, Limits] = {}
        self._read_at = float("-inf")

    async def limits(self, name: str) -> Limits:
        """The plan's limits; an unknown plan (deleted under a tenant) is the most limited
        plan: nothing may be added."""
        if time.monotonic() - self._read_at > CACHE_SECONDS:
            await self._reload()
        found = self._cache.get(name)
        return found if found is not None else Limits(name, max_cameras=0, custom_domains=0,
                                                      clip_exports_per_month=0,
                                                      abr_allowed=False,
                                                      low_latency_allowed=False)

    async def _reload(self) -> None:
        async with self.dbs.control_session() as session:
            rows = list(await session.scalars(select(Plan)))
        self._cache = {row.name: Limits.of(row) for row in rows}
        self._read_at = time.monotonic()

    def forget(self) -> None:
        self._read_at = float("-inf")

    async def list(self) -> list[tuple[Limits, Plan, int]]:
        """Every plan with its row (times) and how many tenants are on it, by name."""
        from argus.tenants.models import Tenant

        async with self.dbs.control_session() as session:
            counts = dict((await session.execute(
                select(Tenant.plan, func.count()).group_by(Tenant.plan))).all())
            rows = list(await session.scalars(select(Plan).order_by(Plan.name)))
        return [(Limits.of(row), row, counts.get(row.name, 0)) for row in rows]

    async def get(self, name: str) -> tuple[Limits, Plan, int]:
        for item in await self.list():
            if item[0].name == name:
                return item
        raise NotFound(f"plan {name!r} not found", field="name")

    async def put(self, limits: Limits) -> bool:
        """Create or replace the plan; returns whether it was created. The same plan twice
        changes nothing (``updated_at`` included)."""
        validate_limits(limits)
        async with self.dbs.control_session() as session:
            row = await session.get(Plan, limits.name, with_for_update=True)
            created = row is None
            if row is None:
                row = Plan(name=limits.name, created_at=utcnow(), updated_at=utcnow())
                session.add(row)
            if created or Limits.of(row) != limits:
                for key, value in limits.values().items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
            await session.commit()
        self.forget()
        return created

    async def delete(self, name: str) -> None:
        """Remove a plan no tenant is on (409 otherwise)."""
        from argus.tenants.models import Tenant

        async with self.dbs.control_session() as session:
            row = await session.get(Plan, name, with_for_update=True)
            if row is None:
                raise NotFound(f"plan {name!r} not found", field="name")
            users = await session.scalar(
                select(func.count()).select_from(Tenant).where(Tenant.plan == name))
            if users:
                raise Conflict(f"{users} tenant(s) are on plan {name!r}; move them first",
                               field="name")
            await session.delete(row)
            await session.commit()
        self.forget()
