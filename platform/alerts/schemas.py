"""Wire types of ``/api/v1/notification-rules``, ``/api/v1/incidents`` and
``/api/v1/notifications``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Debounce = Annotated[int, msgspec.Meta(ge=0, le=86400)]
Cooldown = Annotated[int, msgspec.Meta(ge=0, le=7 * 86400)]


class Recipients(msgspec.Struct, forbid_unknown_fields=True):
    users: list[str] = []
    roles: list[str] = []
    emails: list[str] = []
    phones: list[str] = []  # E.164, such as +15551234567


class RuleIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    event_type: str
    channels: list[str]
    recipients: Recipients
    scope: str = "all"  # all, tag, cameras
    tag: str | None = None
    camera_ids: list[str] | None = None
    debounce_seconds: Debounce = 0
    cooldown_seconds: Cooldown = 0
    notify_recovery: bool = True
    enabled: bool = True


class RulePatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    event_type: str | None = None
    channels: list[str] | None = None
    recipients: Recipients | None = None
    scope: str | None = None
    tag: str | None = None
    camera_ids: list[str] | None = None
    debounce_seconds: Debounce | None = None
    cooldown_seconds: Cooldown | None = None
    notify_recovery: bool | None = None
    enabled: bool | None = None


class RuleOut(msgspec.Struct):
    id: str
    name: str
    event_type: str
    scope: str
    tag: str | None
    camera_ids: list[str] | None
    channels: list[str]
    recipients: Recipients
    debounce_seconds: int
    cooldown_seconds: int
    notify_recovery: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


class RulePage(msgspec.Struct):
    items: list[RuleOut]
    next_cursor: str | None


class MessageOut(msgspec.Struct):
    phase: str  # opened, resolved
    channel: str
    recipient: str
    state: str  # pending, sent, failed, skipped
    error: str | None
    sent_at: datetime | None


class IncidentOut(msgspec.Struct):
    id: str
    rule_id: str
    event_type: str
    camera_id: str | None
    state: str  # pending, open, resolved, cancelled
    reason: str | None
    started_at: datetime
    notify_at: datetime | None
    opened_at: datetime | None
    resolved_at: datetime | None
    messages: list[MessageOut]


class IncidentPage(msgspec.Struct):
    items: list[IncidentOut]
    next_cursor: str | None


class NotificationOut(msgspec.Struct):
    id: int
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    unread: int
    next_cursor: str | None


class MarkRead(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[int] | None = None  # null: every unread notification


class Unread(msgspec.Struct):
    unread: int
