"""Named tenant settings (tenant schema ``tenant_settings``: name → JSON value)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import TenantBase, UTCDateTime, utcnow


class TenantSetting(TenantBase):
    __tablename__ = "tenant_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


async def get_setting(session: AsyncSession, name: str) -> dict[str, Any] | None:
    row = await session.get(TenantSetting, name)
    return row.value if row is not None else None


async def put_setting(session: AsyncSession, name: str, value: dict[str, Any]) -> None:
    """Upsert in the caller's transaction."""
    stmt = insert(TenantSetting).values(name=name, value=value, updated_at=utcnow())
    await session.execute(stmt.on_duplicate_key_update(value=stmt.inserted.value,
                                                       updated_at=stmt.inserted.updated_at))
