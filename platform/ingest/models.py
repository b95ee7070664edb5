"""Ingest nodes (control schema). Only a hash of a node's secret is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
