"""Writing and reading the audit log.

``Audit`` is bound to one request (actor, IP, user agent) and one session: ``record`` adds the
row to that session, so it commits with the change it describes or not at all.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.models import AuditLog
from argus.platform.core.errors import Invalid
from argus.platform.identity.principal import Principal


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str | None = None


class Audit:
    def __init__(self, session: AsyncSession, principal: Principal | None,
                 meta: RequestMeta) -> None:
        self.session = session
        self.principal = principal
        self.meta = meta

    def record(self, action: str, resource_type: str | None = None,
               resource_id: str | None = None, *, result: str = "success",
               detail: dict | None = None, actor: tuple[str, str | None, str | None] | None = None,
               ) -> AuditLog:
        """Add one audit row to the session. ``actor`` overrides (type, id, label)."""
        if actor is None:
            p = self.principal
            actor = (p.actor_type, p.actor_id, p.label) if p else ("anonymous", None, None)
        row = AuditLog(actor_type=actor[0], actor_id=actor[1], actor_label=(actor[2] or None),
                       action=action, resource_type=resource_type, resource_id=resource_id,
                       result=result, ip=self.meta.ip,
                       user_agent=(self.meta.user_agent or "")[:255] or None, detail=detail)
        self.session.add(row)
        return row


def _encode(row: AuditLog) -> str:
    raw = f"{row.occurred_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        return datetime.fromisoformat(at), row_id
    except ValueError:
        raise Invalid("cursor is not valid", field="cursor") from None


async def list_audit(session: AsyncSession, *, actor_id: str | None = None,
                     action: str | None = None, resource_type: str | None = None,
                     resource_id: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, cursor: str | None = None,
                     limit: int = 50) -> tuple[list[AuditLog], str | None]:
    """Newest first."""
    query = select(AuditLog).order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc())
    for column, value in ((AuditLog.actor_id, actor_id), (AuditLog.action, action),
                          (AuditLog.resource_type, resource_type),
                          (AuditLog.resource_id, resource_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditLog.occurred_at >= since)
    if until is not None:
        query = query.where(AuditLog.occurred_at < until)
    if cursor:
        at, row_id = _decode(cursor)
        query = query.where(or_(AuditLog.occurred_at < at,
                                and_(AuditLog.occurred_at == at, AuditLog.id < row_id)))
    rows = list(await session.scalars(query.limit(limit + 1)))
    next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
