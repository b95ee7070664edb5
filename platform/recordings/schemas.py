"""The wire shapes of recordings, timelines, playback and clip exports."""

from __future__ import annotations

from datetime import datetime

import msgspec

from argus.platform.recordings.models import Clip, Recording


class RecordingOut(msgspec.Struct):
    id: str
    camera_id: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    size_bytes: int
    video_codec: str | None
    width: int | None
    height: int | None
    storage_tier: str
    state: str
    failure_reason: str | None
    checksum: str | None
    created_at: datetime

    @classmethod
    def of(cls, r: Recording) -> RecordingOut:
        return cls(r.id, r.camera_id, r.started_at, r.ended_at, round(r.duration_s, 3),
                   r.size_bytes, r.video_codec, r.width, r.height, r.storage_tier, r.state,
                   r.failure_reason, r.checksum, r.created_at)


class RecordingPage(msgspec.Struct):
    items: list[RecordingOut]
    next_cursor: str | None


class Download(msgspec.Struct):
    url: str
    expires_at: datetime


class SpanOut(msgspec.Struct):
    start: datetime
    end: datetime


class Timeline(msgspec.Struct):
    camera_id: str
    start: datetime
    end: datetime
    spans: list[SpanOut]
    gaps: list[SpanOut]
    recordings: list[RecordingOut]


class Playback(msgspec.Struct):
    recording: RecordingOut
    offset_s: float
    url: str
    expires_at: datetime


class ClipIn(msgspec.Struct, forbid_unknown_fields=True):
    start: datetime = msgspec.field(name="from")
    end: datetime = msgspec.field(name="to")


class ClipOut(msgspec.Struct):
    id: str
    camera_id: str
    start: datetime = msgspec.field(name="from")
    end: datetime = msgspec.field(name="to")
    state: str = "pending"
    progress: int = 0
    duration_s: float | None = None
    size_bytes: int | None = None
    failure_reason: str | None = None
    download_url: str | None = None
    created_at: datetime | None = None

    @classmethod
    def of(cls, c: Clip, url: str | None = None) -> ClipOut:
        return cls(c.id, c.camera_id, c.starts_at, c.ends_at, c.state, c.progress,
                   c.duration_s, c.size_bytes, c.failure_reason, url, c.created_at)
