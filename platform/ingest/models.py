"""Ingest nodes and camera placements (control schema). Only a hash of a node's secret is
stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from argus.platform.core.db import ControlBase, UTCDateTime, utcnow

NODE_STATES = ("active", "draining", "offline")


class IngestNode(ControlBase):
    __tablename__ = "ingest_nodes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rtmp_url: Mapped[str] = mapped_column(String(255))  # what cameras publish to
    hls_url: Mapped[str] = mapped_column(String(255))  # where signed HLS URLs point
    capacity: Mapped[int] = mapped_column(Integer)  # cameras the node should carry at most
    state: Mapped[str] = mapped_column(String(16), default="active")
    secret_hash: Mapped[str] = mapped_column(String(64))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    live_streams: Mapped[int] = mapped_column(Integer, default=0)  # from the last heartbeat
    # What the node agent found wrong at its last heartbeat (e.g. an unwritable recording
    # directory); NULL when healthy.
    problems: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CameraPlacement(ControlBase):
    """Which node carries a camera: counts load across tenants and tells a node agent which
    RTSP cameras to pull. Written by the camera service beside the stream key."""

    __tablename__ = "camera_placements"

    camera_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    node_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    pull: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    abr: Mapped[bool] = mapped_column(Boolean, default=False)
