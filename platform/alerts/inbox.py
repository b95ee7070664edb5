"""A user's in-app notifications: newest first (cursor), the unread count, marking read.
Only messages that were sent are listed, and only the caller's own."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.channels import unread
from argus.platform.alerts.models import Notification
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Invalid
from argus.platform.core.pagination import decode_cursor, encode_cursor


def _mine(user_id: str):  # type: ignore[no-untyped-def]
    return ((Notification.channel == "in_app") & (Notification.recipient == user_id)
            & (Notification.state == "sent"))


async def inbox(session: AsyncSession, user_id: str, *, unread_only: bool, cursor: str | None,
                limit: int) -> tuple[list[Notification], int, str | None]:
    query = select(Notification).where(_mine(user_id)).order_by(Notification.id.desc())
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if cursor:
        (last,) = decode_cursor(cursor)
        if not last.isdigit():
            raise Invalid("cursor is not valid", field="cursor")
        query = query.where(Notification.id < int(last))
    rows = list(await session.scalars(query.limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    return (rows, await unread(session, user_id),
            encode_cursor(str(rows[-1].id)) if more and rows else None)


async def mark_read(session: AsyncSession, user_id: str, ids: list[int] | None) -> int:
    """Mark the listed (or every) unread notification of the user read; the unread count."""
    query = update(Notification).where(_mine(user_id), Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    await session.execute(query.values(read_at=utcnow()))
    await session.commit()
    return await unread(session, user_id)
