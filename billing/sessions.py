"""Stream sessions (tenant schema): each time a camera was live, on which node, from when to
when. Closing a session meters its ``camera_minutes`` (one outbox row per UTC day it spans,
keyed ``<session id>:<day>``) in the same transaction, so a session is metered exactly once
whoever closes it: the stream's end, the node agent's restart, or the sweep of a dead node."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Select, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.ledger import record_usage
from argus.platform.core.db import Databases, TenantBase, TenantLocation, UTCDateTime, utcnow


class StreamSession(TenantBase):
    __tablename__ = "stream_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    camera_id: Mapped[str] = mapped_column(String(36), index=True)
    node_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bytes_in: Mapped[int] = mapped_column(BigInteger, default=0)


def _open(camera_id: str) -> Select[StreamSession]:  # type: ignore[type-var]
    return select(StreamSession).where(StreamSession.camera_id == camera_id,
                                       StreamSession.ended_at.is_(None))


async def open_session(session: AsyncSession, camera_id: str, node_id: str,
                       at: datetime) -> None:
    """The camera went live on ``node_id`` (a session already open stays as it is)."""
    if await session.scalar(_open(camera_id).limit(1)) is None:
        session.add(StreamSession(id=str(uuid.uuid4()), camera_id=camera_id, node_id=node_id,
                                  started_at=at))


async def close_sessions(session: AsyncSession, camera_id: str, at: datetime) -> int:
    """End the camera's open sessions at ``at`` and meter them; how many were open."""
    rows = list(await session.scalars(_open(camera_id).with_for_update()))
    for row in rows:
        row.ended_at = max(at, row.started_at)
        for day, seconds in split_by_day(row.started_at, row.ended_at):
            record_usage(session, "camera_minutes", f"{row.id}:{day.isoformat()}", day,
                         seconds, 0)
    return len(rows)


async def end_sessions(dbs: Databases, tenant: TenantLocation, camera_id: str) -> int:
    """Close the camera's open sessions now, in their own tenant transaction."""
    async with dbs.tenant_session(tenant) as session:
        closed = await close_sessions(session, camera_id, utcnow())
        await session.commit()
    return closed


def split_by_day(start: datetime, end: datetime) -> list[tuple[date, float]]:
    """``start``..``end`` cut at UTC midnights: (day, seconds) for each day it touches."""
    parts = []
    cursor = start
    while cursor < end:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(),
                                    tzinfo=cursor.tzinfo)
        stop = min(end, midnight)
        parts.append((cursor.date(), (stop - cursor).total_seconds()))
        cursor = stop
    return parts
