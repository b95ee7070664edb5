"""The wire shapes of the audit log."""

from __future__ import annotations

from datetime import datetime

import msgspec

from argus.platform.audit.models import AuditLog


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
