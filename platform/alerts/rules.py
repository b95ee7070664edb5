"""Notification rules of one tenant: create, list (cursor), show, change, delete, each
checked whole (an event a rule can alert on, a scope whose cameras exist, a recipient for
every channel) and audited; and the tenant's incidents, newest first, with their messages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.models import CHANNELS, SCOPES, Incident, Notification, NotificationRule
from argus.platform.audit.service import Audit
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Invalid, NotFound
from argus.platform.core.pagination import id_page, newest_cursor, older_than
from argus.platform.core.permissions import ROLES
from argus.platform.identity.auth import normalize_email
from argus.platform.identity.models import User
from argus.platform.webhooks.events import EVENT_TYPES

MAX_RULES = 100
MAX_RECIPIENTS = 50
# What a rule can alert on: camera.online is the recovery of offline/error, webhook.test no fact.
RULE_EVENTS = tuple(t for t in EVENT_TYPES if t not in ("camera.online", "webhook.test"))
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
FIELDS = ("name", "event_type", "scope", "tag", "camera_ids", "channels", "recipients",
          "debounce_seconds", "cooldown_seconds", "notify_recovery", "enabled")


def _listed(values: list[str], field: str) -> list[str]:
    if len(values) > MAX_RECIPIENTS:
        raise Invalid(f"at most {MAX_RECIPIENTS} entries", field=field)
    return sorted(set(values))


async def clean_recipients(session: AsyncSession, raw: dict[str, list[str]]
                           ) -> dict[str, list[str]]:
    users = _listed(raw.get("users") or [], "recipients.users")
    if users:
        found = set(await session.scalars(select(User.id).where(User.id.in_(users))))
        missing = [u for u in users if u not in found]
        if missing:
            raise Invalid(f"no such user(s): {', '.join(missing)}", field="recipients.users")
    roles = _listed(raw.get("roles") or [], "recipients.roles")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise Invalid(f"unknown role(s) {', '.join(bad)} (roles: {', '.join(ROLES)})",
                      field="recipients.roles")
    emails = _listed([normalize_email(e, "recipients.emails") for e in raw.get("emails") or []],
                     "recipients.emails")
    phones = _listed([p.strip() for p in raw.get("phones") or []], "recipients.phones")
    bad = [p for p in phones if not E164.match(p)]
    if bad:
        raise Invalid(f"not an E.164 number (such as +15551234567): {', '.join(bad)}",
                      field="recipients.phones")
    return {"users": users, "roles": roles, "emails": emails, "phones": phones}


def _check_reach(channels: list[str], recipients: dict[str, list[str]]) -> None:
    people = bool(recipients["users"] or recipients["roles"])
    reach = {"email": people or bool(recipients["emails"]), "sms": bool(recipients["phones"]),
             "in_app": people}
    needs = {"email": "users, roles or emails", "sms": "phones", "in_app": "users or roles"}
    for channel in channels:
        if not reach[channel]:
            raise Invalid(f"the {channel} channel needs recipients ({needs[channel]})",
                          field="recipients")


class RuleService:
    def __init__(self, session: AsyncSession, audit: Audit | None = None) -> None:
        self.session, self.audit = session, audit

    async def _clean(self, values: dict[str, Any]) -> dict[str, Any]:
        """The rule's columns from API values (every field present), or an ``Invalid``."""
        if values["event_type"] not in RULE_EVENTS:
            raise Invalid(f"rules alert on {', '.join(RULE_EVENTS)} (camera.online is the "
                          "recovery of camera.offline and camera.error)", field="event_type")
        channels = sorted(set(values["channels"]))
        if not channels or set(channels) - set(CHANNELS):
            raise Invalid(f"channels is a non-empty list of {', '.join(CHANNELS)}",
                          field="channels")
        scope, tag, camera_ids = values["scope"], values["tag"], values["camera_ids"]
        if scope not in SCOPES:
            raise Invalid(f"scope is one of {', '.join(SCOPES)}", field="scope")
        if scope == "tag":
            tag = (tag or "").strip()
            if not tag or len(tag) > 64:
                raise Invalid("a tag scope names a tag (1 to 64 characters)", field="tag")
        else:
            tag = None
        if scope == "cameras":
            camera_ids = sorted(set(camera_ids or []))
            if not camera_ids or len(camera_ids) > MAX_RECIPIENTS:
                raise Invalid(f"a cameras scope lists 1 to {MAX_RECIPIENTS} camera ids",
                              field="camera_ids")
            found = set(await self.session.scalars(select(Camera.id).where(
                Camera.id.in_(camera_ids))))
            missing = [c for c in camera_ids if c not in found]
            if missing:
                raise Invalid(f"no such camera(s): {', '.join(missing)}", field="camera_ids")
        else:
            camera_ids = None
        recipients = await clean_recipients(self.session, values["recipients"])
        _check_reach(channels, recipients)
        return {"name": values["name"].strip() or "rule", "event_type": values["event_type"],
                "scope": scope, "tag": tag, "camera_ids": camera_ids, "channels": channels,
                "recipients": recipients, "debounce_s": values["debounce_seconds"],
                "cooldown_s": values["cooldown_seconds"],
                "notify_recovery": values["notify_recovery"], "enabled": values["enabled"]}

    async def create(self, values: dict[str, Any]) -> NotificationRule:
        count = len(list(await self.session.scalars(select(NotificationRule.id))))
        if count >= MAX_RULES:
            raise Invalid(f"a tenant has at most {MAX_RULES} notification rules", field="name")
        now = utcnow()
        row = NotificationRule(**await self._clean(values), created_at=now, updated_at=now)
        self.session.add(row)
        await self.session.flush()
        if self.audit:
            self.audit.record("notification_rules.create", "notification_rule", row.id,
                              detail={"event_type": row.event_type})
        await self.session.commit()
        return row

    async def get(self, rule_id: str) -> NotificationRule:
        row = await self.session.get(NotificationRule, rule_id)
        if row is None:
            raise NotFound("notification rule not found", field="id")
        return row

    async def list(self, cursor: str | None, limit: int
                   ) -> tuple[list[NotificationRule], str | None]:
        return await id_page(self.session, NotificationRule, cursor, limit)

    async def update(self, rule_id: str, changes: dict[str, Any]) -> NotificationRule:
        row = await self.get(rule_id)
        values = {**values_of(row), **{k: v for k, v in changes.items() if v is not None}}
        for column, value in (await self._clean(values)).items():
            setattr(row, column, value)
        row.updated_at = utcnow()
        if self.audit:
            self.audit.record("notification_rules.update", "notification_rule", row.id,
                              detail={"fields": sorted(k for k, v in changes.items()
                                                       if v is not None)})
        await self.session.commit()
        return row

    async def delete(self, rule_id: str) -> None:
        """Remove the rule; its open incidents are closed and its unsent messages dropped."""
        row = await self.get(rule_id)
        now = utcnow()
        for incident in await self.session.scalars(select(Incident).where(
                Incident.rule_id == rule_id, Incident.state.in_(("pending", "open")))):
            incident.state, incident.resolved_at, incident.notify_at = "cancelled", now, None
        for message in await self.session.scalars(select(Notification).where(
                Notification.rule_id == rule_id, Notification.state == "pending")):
            message.state, message.error = "skipped", "the rule was deleted"
        await self.session.delete(row)
        if self.audit:
            self.audit.record("notification_rules.delete", "notification_rule", rule_id)
        await self.session.commit()


def values_of(row: NotificationRule) -> dict[str, Any]:
    return {"name": row.name, "event_type": row.event_type, "scope": row.scope, "tag": row.tag,
            "camera_ids": row.camera_ids, "channels": list(row.channels),
            "recipients": dict(row.recipients or {}), "debounce_seconds": row.debounce_s,
            "cooldown_seconds": row.cooldown_s, "notify_recovery": row.notify_recovery,
            "enabled": row.enabled}


async def incidents(session: AsyncSession, *, rule_id: str | None, state: str | None,
                    cursor: str | None, limit: int
                    ) -> tuple[list[tuple[Incident, list[Notification]]], str | None]:
    """The tenant's incidents, newest first, each with its messages."""
    query = select(Incident).order_by(Incident.started_at.desc(), Incident.id.desc())
    if rule_id:
        query = query.where(Incident.rule_id == rule_id)
    if state:
        query = query.where(Incident.state == state)
    if cursor:
        query = query.where(older_than(Incident.started_at, Incident.id, cursor))
    rows = list(await session.scalars(query.limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    messages: dict[str, list[Notification]] = {r.id: [] for r in rows}
    if rows:
        for message in await session.scalars(select(Notification).where(
                Notification.incident_id.in_(list(messages))).order_by(Notification.id)):
            messages[message.incident_id].append(message)
    last = rows[-1] if rows else None
    return ([(r, messages[r.id]) for r in rows],
            newest_cursor(last.started_at, last.id) if more and last else None)
