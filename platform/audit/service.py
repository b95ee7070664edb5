"""Writing and reading the audit log.

``Audit`` is bound to one request (actor, IP, user agent) and one session: ``record`` adds the
row to that session, so it commits with the change it describes or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.models import AuditLog
from argus.platform.core.pagination import newest_cursor, older_than
from argus.platform.core.principal import Principal


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
        query = query.where(older_than(AuditLog.occurred_at, AuditLog.id, cursor))
    rows = list(await session.scalars(query.limit(limit + 1)))
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = newest_cursor(last.occurred_at, last.id) if last else None
    return rows[:limit], next_cursor
