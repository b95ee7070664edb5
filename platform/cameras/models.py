"""Cameras (tenant schema) and the stream-key index (control schema)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import ControlBase, TenantBase, UTCDateTime, utcnow

VENDORS = ("hikvision", "dahua", "axis", "other")
INGEST_MODES = ("rtmp_push", "rtsp_pull")
STATUSES = ("offline", "connecting", "online", "error")


class Camera(TenantBase):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(String(16), default="other")
    model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    serial_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tags: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    ingest_mode: Mapped[str] = mapped_column(String(16), default="rtmp_push")
    # May hold credentials: never returned in full, never logged (see schemas.mask_rtsp_url).
    rtsp_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # The stream key's first characters, to tell keys apart; the key itself is not stored.
    stream_key_hint: Mapped[str | None] = mapped_column(String(8), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    record: Mapped[bool] = mapped_column(Boolean, default=False)
    # Adaptive bitrate (opt-in: it costs CPU on the node); renditions: what the node makes now.
    abr: Mapped[bool] = mapped_column(Boolean, default=False)
    renditions: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Days its recordings are kept; None: the tenant's retention.
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Minutes per recording; None: the tenant's (recordings/assembly.py).
    chunk_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="offline", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ingest_node_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    video_codec: Mapped[str | None] = mapped_column(String(32), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    bitrate_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StreamKey(ControlBase):
    """SHA-256 of a stream key → its tenant and camera (one live key per camera)."""

    __tablename__ = "stream_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    camera_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
