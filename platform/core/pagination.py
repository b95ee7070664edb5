"""Opaque cursors for keyset pagination: one encoding for every list endpoint.

A cursor is URL-safe base64 of the last row's sort key. ``decode_cursor`` is strict: anything
that is not a cursor we issued becomes a 422 naming ``cursor``.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.errors import Invalid


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int = 1) -> list[str]:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_",
                               validate=True).decode()
    except ValueError:
        raw = ""
    values = raw.split("|", parts - 1)
    if not raw or len(values) != parts:
        raise Invalid("cursor is not valid", field="cursor")
    return values


def newest_cursor(at: datetime, row_id: str) -> str:
    """The cursor after a row in a newest-first (timestamp, id) listing."""
    return encode_cursor(at.isoformat(), row_id)


def older_than(at_column: Any, id_column: Any, cursor: str) -> ColumnElement[bool]:
    """WHERE clause for the rows after ``cursor`` in a newest-first (timestamp, id) listing."""
    at_text, row_id = decode_cursor(cursor, 2)
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        raise Invalid("cursor is not valid", field="cursor") from None
    if at.tzinfo is None:
        raise Invalid("cursor is not valid", field="cursor")
    return or_(at_column < at, and_(at_column == at, id_column < row_id))


async def id_page(session: AsyncSession, model: Any, cursor: str | None,
                  limit: int) -> tuple[list[Any], str | None]:
    """A page of ``model`` rows in id order, and the cursor after it (the last id) when more
    follow: for small tables a tenant lists whole (webhook endpoints, notification rules)."""
    query = select(model).order_by(model.id).limit(limit + 1)
    if cursor:
        query = query.where(model.id > cursor)
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    return rows[:limit], (rows[limit - 1].id if more else None)
