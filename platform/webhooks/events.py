"""The event types a webhook endpoint can subscribe to (thin payloads: ``type``,
``timestamp``, ``data`` with ids and what changed)."""

from __future__ import annotations

EVENT_TYPES = (
    "camera.online", "camera.offline", "camera.error",
    "recording.completed", "recording.failed", "clip.ready", "clip.failed",
    "stream.refused", "quota.exceeded", "usage.threshold",
    "user.created", "api_token.created", "webhook.test",
)
