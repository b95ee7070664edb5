"""Facts kept over time (tenant schema). ``camera_status_changes``: every change of a
camera's availability (``online``, ``offline``, ``error``) with its reason, at the moment it
happened — a publisher that leaves is recorded offline at once, even while the camera's
status waits out the offline grace period, so history shows real outages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import TenantBase, UTCDateTime

STATES = ("online", "offline", "error")


class CameraStatusChange(TenantBase):
    __tablename__ = "camera_status_changes"
    __table_args__ = (Index("ix_camera_status_changes_camera_at", "camera_id", "at"),
                      Index("ix_camera_status_changes_at", "at"))

    id: Mapped[int] = mapped_column(BigInteger,
                                    primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CameraHealthSample(TenantBase):
    """What the camera's node measured of its stream at one reconcile (nginx's stat: video
    bitrate, frame rate, size), kept ``ARGUS_ANALYTICS_RAW_DAYS``."""

    __tablename__ = "camera_health_samples"
    __table_args__ = (Index("ix_camera_health_samples_camera_at", "camera_id", "at"),
                      Index("ix_camera_health_samples_at", "at"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
