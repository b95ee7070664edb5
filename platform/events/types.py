"""Every live event a tenant's clients receive, and the one way to send one: ``publish``.

Events are JSON objects with a ``type`` and camelCase fields, published on the tenant's Redis
channel (``core.keys.events_channel``); every process's ``EventHub`` forwards them to that
tenant's sockets. A new event is a new class here (its ``tag`` is its ``type``).
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from redis.asyncio import Redis

from argus.platform.core.db import utcnow
from argus.platform.core.keys import events_channel


class Event(msgspec.Struct, tag_field="type", rename="camel", kw_only=True):
    at: datetime = msgspec.field(default_factory=utcnow)


class CameraStatus(Event, tag="camera-status"):
    camera_id: str
    status: str
    reason: str | None


class DashboardUpdate(Event, tag="dashboard-update"):
    cameras: dict[str, int]  # cameras per status


class RecordingStarted(Event, tag="recording-started"):
    camera_id: str


class _RecordingEnded(Event):
    camera_id: str
    recording_id: str
    started_at: datetime
    ended_at: datetime
    state: str


class RecordingCompleted(_RecordingEnded, tag="recording-completed"):
    pass


class RecordingFailed(_RecordingEnded, tag="recording-failed"):
    pass


class SystemAlert(Event, tag="system-alert", omit_defaults=True):
    """An ingest node's problem: about one of the tenant's cameras (``camera_id``), or
    node-wide (no ``camera_id``: every socket of the tenant gets it)."""

    severity: str
    node: str
    message: str
    camera_id: str | None = None


class NotificationNew(Event, tag="notification"):
    """A new in-app notification for one user (only that user's sockets get it)."""

    user_id: str
    notification_id: int
    title: str
    link: str | None
    unread: int


async def publish(redis: Redis, control_schema: str, tenant_id: str, event: Event) -> None:
    await redis.publish(events_channel(control_schema, tenant_id), msgspec.json.encode(event))
