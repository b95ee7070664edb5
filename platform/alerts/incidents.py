"""Incidents from events, in the event's transaction (``observe``), and their opening once
the rule's debounce has passed (``open_due``, the alerts job).

``camera.offline`` and ``camera.error`` are conditions: one incident per (rule, camera) at a
time, closed by ``camera.online`` (cancelled while pending, so a blip shorter than the
debounce sends nothing; resolved once open, with a recovery message if the rule asks). Every
other event is a one-off: its incident opens after the debounce and needs no closing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.models import Incident, Notification, NotificationRule
from argus.platform.alerts.texts import text, title
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.identity.models import User

CONDITIONS = {"camera.offline": "offline", "camera.error": "error"}  # event -> camera status
RECOVERY = "camera.online"
OPEN = ("pending", "open")


def in_scope(rule: NotificationRule, camera: Camera | None) -> bool:
    if rule.scope == "all":
        return True
    if camera is None:
        return False
    if rule.scope == "tag":
        return rule.tag in (camera.tags or [])
    return camera.id in (rule.camera_ids or [])


async def observe(session: AsyncSession, event_type: str, data: dict,
                  now: datetime | None = None) -> bool:
    """Open or close the incidents the event means; True when the alerts job has work."""
    now = now or utcnow()
    camera_id = str(data.get("camera_id") or "")
    work = False
    recovery = event_type == RECOVERY and bool(camera_id)
    # One query says whether anything can match: a recovery needs a condition rule (deleting
    # a rule closes its incidents, so without one there is nothing open to close).
    wanted = (event_type, *CONDITIONS) if recovery else (event_type,)
    rules = list(await session.scalars(select(NotificationRule).where(
        NotificationRule.event_type.in_(wanted))))
    if recovery and any(r.event_type in CONDITIONS for r in rules):
        work = await _recover(session, camera_id, now)
    rules = [r for r in rules if r.event_type == event_type and r.enabled]
    if not rules:
        return work
    camera = await session.get(Camera, camera_id) if camera_id else None
    for rule in rules:
        if not in_scope(rule, camera):
            continue
        if event_type in CONDITIONS and await session.scalar(select(Incident.id).where(
                Incident.rule_id == rule.id, Incident.subject == camera_id,
                Incident.state.in_(OPEN)).limit(1)):
            continue  # one incident per camera and rule at a time
        session.add(Incident(rule_id=rule.id, event_type=event_type, subject=camera_id,
                             state="pending", reason=_reason(data), data=data,
                             started_at=now, notify_at=now + timedelta(seconds=rule.debounce_s)))
        work = True
    return work


def _reason(data: dict) -> str | None:
    reason = data.get("reason") or data.get("detail")
    return str(reason)[:300] if reason else None


async def _recover(session: AsyncSession, camera_id: str, now: datetime) -> bool:
    work = False
    for incident in await session.scalars(select(Incident).where(
            Incident.subject == camera_id, Incident.event_type.in_(tuple(CONDITIONS)),
            Incident.state.in_(OPEN))):
        incident.resolved_at, incident.notify_at = now, None
        if incident.state == "pending":
            incident.state = "cancelled"  # back within the debounce: nothing is sent
            continue
        incident.state = "resolved"
        rule = await session.get(NotificationRule, incident.rule_id)
        if rule is not None and rule.notify_recovery:
            work = await add_messages(session, rule, incident, "resolved") or work
    return work


async def open_due(session: AsyncSession, limit: int = 200) -> int:
    """Open the pending incidents whose debounce has passed (a condition that no longer
    holds is cancelled); how many opened. The caller commits."""
    now = utcnow()
    opened = 0
    due = list(await session.scalars(select(Incident).where(
        Incident.state == "pending", Incident.notify_at <= now)
        .order_by(Incident.notify_at).limit(limit)))
    for incident in due:
        rule = await session.get(NotificationRule, incident.rule_id)
        status = CONDITIONS.get(incident.event_type)
        if status is not None:
            camera = await session.get(Camera, incident.subject)
            if camera is None or camera.status != status:
                incident.state, incident.resolved_at = "cancelled", now
                incident.notify_at = None
                continue
        incident.state, incident.opened_at, incident.notify_at = "open", now, None
        if status is None:  # a one-off: nothing will close it
            incident.state, incident.resolved_at = "resolved", now
        if rule is not None and rule.enabled:
            await add_messages(session, rule, incident, "opened")
        opened += 1
    return opened


async def recipients(session: AsyncSession, rule: NotificationRule, channel: str) -> list[str]:
    """Who gets the rule's message on a channel: addresses (e-mail), numbers (SMS), user ids
    (in-app); users and roles count only while the user is active."""
    named = rule.recipients or {}
    users: list[User] = []
    if named.get("users") or named.get("roles"):
        users = list(await session.scalars(select(User).where(
            User.state == "active",
            User.id.in_(named.get("users") or []) | User.role.in_(named.get("roles") or []))))
    if channel == "email":
        found = [u.email for u in users] + list(named.get("emails") or [])
    elif channel == "sms":
        found = list(named.get("phones") or [])
    else:
        found = [u.id for u in users]
    return sorted({r.lower() if channel == "email" else r for r in found})


async def add_messages(session: AsyncSession, rule: NotificationRule, incident: Incident,
                       phase: str) -> bool:
    camera = await session.get(Camera, incident.subject) if incident.subject else None
    name = camera.name if camera else ""
    data = incident.data or {}
    subject = title(incident.event_type, phase, name, data)
    body = text(incident.event_type, phase, name, data, incident.started_at,
                incident.resolved_at if phase == "resolved" else None)
    link = f"/cameras/{incident.subject}" if camera else None
    added = False
    for channel in rule.channels:
        for recipient in await recipients(session, rule, channel):
            session.add(Notification(
                incident_id=incident.id, rule_id=rule.id, subject=incident.subject,
                phase=phase, channel=channel, recipient=recipient, state="pending",
                attempts=0, title=subject, body=body, link=link, created_at=utcnow()))
            added = True
    return added
