"""Wire types of the camera API, and what a camera looks like to a client."""

from __future__ import annotations

from datetime import datetime

import msgspec

from argus.platform.cameras.models import Camera
from argus.platform.cameras.rtsp import mask_rtsp_url


class CameraIn(msgspec.Struct, forbid_unknown_fields=True):
    """Create, or replace with PUT: absent optional fields take their defaults."""

    name: str
    vendor: str = "other"
    model: str | None = None
    serial_number: str | None = None
    location: str | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    ingest_mode: str = "rtmp_push"
    rtsp_url: str | None = None
    enabled: bool = True
    record: bool = False
    abr: bool = False
    retention_days: int | None = None
    chunk_minutes: int | None = None


class CameraPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Partial update: only the fields present change."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    vendor: str | msgspec.UnsetType = msgspec.UNSET
    model: str | None | msgspec.UnsetType = msgspec.UNSET
    serial_number: str | None | msgspec.UnsetType = msgspec.UNSET
    location: str | None | msgspec.UnsetType = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    ingest_mode: str | msgspec.UnsetType = msgspec.UNSET
    rtsp_url: str | None | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    record: bool | msgspec.UnsetType = msgspec.UNSET
    abr: bool | msgspec.UnsetType = msgspec.UNSET
    retention_days: int | None | msgspec.UnsetType = msgspec.UNSET
    chunk_minutes: int | None | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict:
        return {f: getattr(self, f) for f in self.__struct_fields__
                if getattr(self, f) is not msgspec.UNSET}


class LiveFacts(msgspec.Struct):
    video_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    bitrate_kbps: int | None
    # ABR renditions the node makes now (e.g. ["720p", "480p"]); null without ABR
    renditions: list[str] | None = None


class CameraOut(msgspec.Struct):
    id: str
    name: str
    vendor: str
    model: str | None
    serial_number: str | None
    location: str | None
    tags: list[str]
    ingest_mode: str
    rtsp_url: str | None
    stream_key_hint: str | None
    enabled: bool
    record: bool
    abr: bool
    retention_days: int | None
    chunk_minutes: int | None
    status: str
    status_reason: str | None
    last_seen_at: datetime | None
    ingest_node_id: str | None
    live: LiveFacts
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Camera) -> CameraOut:
        return cls(c.id, c.name, c.vendor, c.model, c.serial_number, c.location, c.tags or [],
                   c.ingest_mode, mask_rtsp_url(c.rtsp_url), c.stream_key_hint, c.enabled,
                   c.record, c.abr, c.retention_days, c.chunk_minutes, c.status,
                   c.status_reason, c.last_seen_at,
                   c.ingest_node_id, LiveFacts(c.video_codec, c.width, c.height, c.fps,
                                               c.bitrate_kbps, c.renditions),
                   c.created_at, c.updated_at)


class Ingest(msgspec.Struct):
    """Where a push camera sends its stream; shown with the key, once."""

    rtmp_url: str
    stream_key: str
    full_url: str
    setup_hints: list[str]


class CameraCreated(msgspec.Struct):
    camera: CameraOut
    ingest: Ingest | None


class CameraPage(msgspec.Struct):
    items: list[CameraOut]
    next_cursor: str | None


class CameraStatus(msgspec.Struct):
    id: str
    status: str
    status_reason: str | None
    last_seen_at: datetime | None
    enabled: bool
    live: LiveFacts


class BulkItem(msgspec.Struct, forbid_unknown_fields=True):
    op: str  # create / update / enable / disable / delete
    id: str | None = None
    camera: dict | None = None  # the CameraIn (create) or CameraPatch (update) fields


class BulkIn(msgspec.Struct, forbid_unknown_fields=True):
    items: list[BulkItem]


class BulkResult(msgspec.Struct):
    index: int
    op: str
    ok: bool
    id: str | None = None
    status_code: int = 200
    code: str | None = None
    detail: str | None = None
    field: str | None = None
    ingest: Ingest | None = None
    limit: int | None = None  # a quota refusal: the plan's limit and the use it would make
    used: int | None = None


class BulkOut(msgspec.Struct):
    results: list[BulkResult]
    succeeded: int
    failed: int
