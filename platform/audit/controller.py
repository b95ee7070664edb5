"""``GET /api/v1/audit-logs`` (admins): newest first, filters, cursor pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.schemas import AuditEntry, AuditPage
from argus.platform.audit.service import list_audit
from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs


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
