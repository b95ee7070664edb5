"""``/api/v1/notification-rules`` and ``/api/v1/incidents`` (``alerts:manage``, admins) and
``/api/v1/notifications``: the caller's own in-app notifications (``notifications:own``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.inbox import inbox, mark_read
from argus.platform.alerts.models import INCIDENT_STATES, Incident, Notification, NotificationRule
from argus.platform.alerts.rules import RuleService, incidents
from argus.platform.alerts.schemas import (
    IncidentOut,
    IncidentPage,
    MarkRead,
    MessageOut,
    NotificationOut,
    NotificationPage,
    Recipients,
    RuleIn,
    RuleOut,
    RulePage,
    RulePatch,
    Unread,
)
from argus.platform.audit.service import Audit
from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs
from argus.platform.core.principal import Principal

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def provide_rules(db_session: NamedDependency[AsyncSession],
                  audit: NamedDependency[Audit]) -> RuleService:
    return RuleService(db_session, audit)


def _rule_out(row: NotificationRule) -> RuleOut:
    return RuleOut(row.id, row.name, row.event_type, row.scope, row.tag, row.camera_ids,
                   list(row.channels), msgspec.convert(row.recipients or {}, Recipients),
                   row.debounce_s, row.cooldown_s, row.notify_recovery, row.enabled,
                   row.created_at, row.updated_at)


def _incident_out(row: Incident, messages: list[Notification]) -> IncidentOut:
    return IncidentOut(row.id, row.rule_id, row.event_type, row.subject or None, row.state,
                       row.reason, row.started_at, row.notify_at, row.opened_at, row.resolved_at,
                       [MessageOut(m.phase, m.channel, m.recipient, m.state, m.error, m.sent_at)
                        for m in messages])


Rules = NamedDependency[RuleService]


class NotificationRuleController(Controller):
    path = "/notification-rules"
    tags = ["alerts"]
    dependencies = {"rules": Provide(provide_rules, sync_to_thread=False)}

    @post("/", opt=needs("alerts:manage"), summary="Add a notification rule")
    async def create(self, data: JSONBody[RuleIn], rules: Rules) -> Response[RuleOut]:
        row = await rules.create(msgspec.to_builtins(data))
        return Response(_rule_out(row), status_code=201)

    @get("/", opt=needs("alerts:manage"), summary="The tenant's rules (cursor)")
    async def list_all(self, rules: Rules, cursor: FromQuery[str | None] = None,
                       limit: Limit = 50) -> RulePage:
        rows, next_cursor = await rules.list(cursor, limit)
        return RulePage([_rule_out(r) for r in rows], next_cursor)

    @get("/{rule_id:str}", opt=needs("alerts:manage"), summary="One rule")
    async def show(self, rule_id: FromPath[str], rules: Rules) -> RuleOut:
        return _rule_out(await rules.get(rule_id))

    @patch("/{rule_id:str}", opt=needs("alerts:manage"),
           summary="Change a rule (the fields given; the whole rule is checked again)")
    async def change(self, rule_id: FromPath[str], data: JSONBody[RulePatch],
                     rules: Rules) -> RuleOut:
        changes = {f: getattr(data, f) for f in data.__struct_fields__}
        if changes.get("recipients") is not None:
            changes["recipients"] = msgspec.to_builtins(changes["recipients"])
        return _rule_out(await rules.update(rule_id, changes))

    @delete("/{rule_id:str}", opt=needs("alerts:manage"),
            summary="Remove a rule (its open incidents close, nothing more is sent)")
    async def remove(self, rule_id: FromPath[str], rules: Rules) -> None:
        await rules.delete(rule_id)


class IncidentController(Controller):
    path = "/incidents"
    tags = ["alerts"]

    @get("/", opt=needs("alerts:manage"),
         summary="Incidents, newest first, with every message and why it was skipped")
    async def list_all(self, db_session: NamedDependency[AsyncSession],
                       rule_id: FromQuery[str | None] = None,
                       incident_state: Annotated[str | None, QueryParameter(name="state")] = None,
                       cursor: FromQuery[str | None] = None, limit: Limit = 50
                       ) -> IncidentPage:
        if incident_state is not None and incident_state not in INCIDENT_STATES:
            raise Invalid(f"state is one of {', '.join(INCIDENT_STATES)}", field="state")
        rows, next_cursor = await incidents(db_session, rule_id=rule_id, state=incident_state,
                                            cursor=cursor, limit=limit)
        return IncidentPage([_incident_out(*row) for row in rows], next_cursor)


class NotificationController(Controller):
    path = "/notifications"
    tags = ["alerts"]

    @get("/", opt=needs("notifications:own"),
         summary="The caller's in-app notifications, newest first, and the unread count")
    async def list_mine(self, db_session: NamedDependency[AsyncSession],
                        principal: NamedDependency[Principal], unread: FromQuery[bool] = False,
                        cursor: FromQuery[str | None] = None, limit: Limit = 50
                        ) -> NotificationPage:
        rows, count, next_cursor = await inbox(db_session, principal.user_id,
                                               unread_only=unread, cursor=cursor, limit=limit)
        return NotificationPage([NotificationOut(r.id, r.title, r.body, r.link, r.created_at,
                                                 r.read_at) for r in rows], count, next_cursor)

    @post("/read", opt=needs("notifications:own"), status_code=200,
          summary="Mark notifications read (ids, or every unread one); the unread count")
    async def read(self, data: JSONBody[MarkRead], db_session: NamedDependency[AsyncSession],
                   principal: NamedDependency[Principal], audit: NamedDependency[Audit]
                   ) -> Unread:
        if data.ids is not None and len(data.ids) > 500:
            raise Invalid("at most 500 ids at a time", field="ids")
        audit.record("notifications.read", "user", principal.user_id,
                     detail={"ids": data.ids} if data.ids is not None else {"all": True})
        return Unread(await mark_read(db_session, principal.user_id, data.ids))
