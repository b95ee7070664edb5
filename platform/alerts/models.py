"""Notification rules, incidents and messages (tenant schema).

A rule matches an event type over a scope of cameras and names channels and recipients. An
event it matches opens an **incident** (``pending`` for the rule's debounce, then ``open``:
its messages go out) or, for a camera that comes back, closes one (``cancelled`` while still
pending: a blip sends nothing; ``resolved`` once open: the recovery messages go out). A
**notification** is one message: at most one per (incident, phase, channel, recipient), so a
retried job never sends twice; in-app ones are the user's notification list (``read_at``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import TenantBase, UTCDateTime, utcnow

SCOPES = ("all", "tag", "cameras")
CHANNELS = ("email", "sms", "in_app")
INCIDENT_STATES = ("pending", "open", "resolved", "cancelled")
PHASES = ("opened", "resolved")


class NotificationRule(TenantBase):
    __tablename__ = "notification_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    scope: Mapped[str] = mapped_column(String(16), default="all")
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    camera_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    # {"users": [ids], "roles": [names], "emails": [...], "phones": [E.164 ...]}
    recipients: Mapped[dict] = mapped_column(JSON)
    debounce_s: Mapped[int] = mapped_column(Integer, default=0)
    cooldown_s: Mapped[int] = mapped_column(Integer, default=0)
    notify_recovery: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Incident(TenantBase):
    """``subject``: the camera it is about ("" for a tenant-wide event)."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    rule_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    notify_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True,
                                                       index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Notification(TenantBase):
    """``recipient``: an address, a number or (in-app) a user id. ``state``: ``pending``,
    ``sent``, ``failed`` (after ``MAX_ATTEMPTS``) or ``skipped`` (cooldown, SMS cap)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("incident_id", "phase", "channel", "recipient",
                                       name="uq_notifications_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(36))
    rule_id: Mapped[str] = mapped_column(String(36), index=True)
    subject: Mapped[str] = mapped_column(String(36))
    phase: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
