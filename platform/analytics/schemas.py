"""Wire types of ``/api/v1/analytics``."""

from __future__ import annotations

from datetime import datetime

import msgspec


class OutageOut(msgspec.Struct):
    start: datetime
    end: datetime | None  # null: still going
    seconds: float
    state: str  # offline or error, as it began
    reason: str | None


class HealthPointOut(msgspec.Struct):
    at: datetime  # the start of the step
    kbps: float | None  # mean video bitrate the node measured
    fps: float | None
    width: int | None
    height: int | None
    samples: int


class CameraAnalyticsOut(msgspec.Struct):
    camera_id: str
    name: str
    start: datetime = msgspec.field(name="from")
    end: datetime = msgspec.field(name="to")
    uptime_percent: float | None  # null: nothing known of the camera in the window
    online_seconds: float
    observed_seconds: float
    outages: list[OutageOut]
    step_seconds: int
    health: list[HealthPointOut]


class CameraUptimeOut(msgspec.Struct):
    camera_id: str
    name: str
    status: str
    uptime_percent: dict[str, float | None]  # 24h, 7d, 30d
    outages_7d: int


class DashboardOut(msgspec.Struct):
    cameras: dict[str, int]  # by status now, with total and recording
    uptime_percent: dict[str, float | None]  # the fleet's over 24h, 7d, 30d
    open_incidents: int
    least_reliable: list[CameraUptimeOut] | None  # null without analytics:read
