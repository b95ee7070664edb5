"""Usage metering (control schema): recorded seconds and bytes per tenant and UTC day, and each
tenant's storage in use, in total (``tenants.storage_bytes``) and by tier (``storage_tiers``:
``hot``/``warm``/``cold`` recordings, ``clip`` exports; what the storage metrics add up).
Increments are atomic upserts; callers meter an event once (the recording finalizer meters
only when its row was newly inserted)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, String, update
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import ControlBase
from argus.tenants.models import Tenant


class UsageDaily(ControlBase):
    __tablename__ = "usage_daily"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    recorded_seconds: Mapped[float] = mapped_column(Float, default=0)
    recorded_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class StorageTier(ControlBase):
    __tablename__ = "storage_tiers"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


async def meter_recording(session: AsyncSession, tenant_id: str, day: date, seconds: float,
                          size: int) -> None:
    """Add a recording to the day's usage and the tenant's storage (in the caller's
    transaction)."""
    stmt = insert(UsageDaily).values(tenant_id=tenant_id, day=day, recorded_seconds=seconds,
                                     recorded_bytes=size)
    await session.execute(stmt.on_duplicate_key_update(
        recorded_seconds=UsageDaily.recorded_seconds + stmt.inserted.recorded_seconds,
        recorded_bytes=UsageDaily.recorded_bytes + stmt.inserted.recorded_bytes))
    await change_storage(session, tenant_id, size, "hot")


async def change_storage(session: AsyncSession, tenant_id: str, delta: int,
                         tier: str) -> None:
    """Add ``delta`` bytes (negative: freed) to the tenant's storage and to ``tier``'s."""
    await session.execute(update(Tenant).where(Tenant.id == tenant_id).values(
        storage_bytes=Tenant.storage_bytes + delta))
    await move_storage(session, tenant_id, delta, None, tier)


async def move_storage(session: AsyncSession, tenant_id: str, size: int, source: str | None,
                       target: str) -> None:
    """``size`` bytes moved from tier ``source`` to ``target`` (the total is unchanged)."""
    for tier, delta in ((source, -size), (target, size)):
        if tier is None or not delta:
            continue
        stmt = insert(StorageTier).values(tenant_id=tenant_id, tier=tier, bytes=delta)
        await session.execute(stmt.on_duplicate_key_update(
            bytes=StorageTier.bytes + stmt.inserted.bytes))
