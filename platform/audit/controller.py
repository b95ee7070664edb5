"""``GET /api/v1/audit-logs`` (admins): newest first, filters, cursor pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.models import AuditLog
from argus.platform.audit.service import list_audit
from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs


class AuditEntry(msgspec.Struct):
    id: str
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_label: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    result: str
    ip: str | None
    user_agent: str | None
    detail: dict | None

    @classmethod
    def of(cls, r: AuditLog) -> AuditEntry:
        return cls(r.id, r.occurred_at, r.actor_type, r.actor_id, r.actor_label, r.action,
                   r.resource_type, r.resource_id, r.result, r.ip, r.user_agent, r.detail)


class AuditPage(msgspec.Struct):
    items: list[AuditEntry]
    next_cursor: str | None


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Invalid(f"{field} needs a time zone (use UTC, e.g. ...Z)", field=field)
    return value


class AuditLogController(Controller):
    path = "/audit-logs"
    tags = ["audit"]

    @get("/", opt=needs("audit:read"))
    async def list_entries(
        self, db_session: NamedDependency[AsyncSession],
        actor: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        resource_type: FromQuery[str | None] = None,
        resource_id: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> AuditPage:
        rows, next_cursor = await list_audit(
            db_session, actor_id=actor, action=action, resource_type=resource_type,
            resource_id=resource_id, since=_aware(since, "since"),
            until=_aware(until, "until"),
            cursor=cursor, limit=limit)
        return AuditPage([AuditEntry.of(r) for r in rows], next_cursor)
