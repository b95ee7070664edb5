"""tenant schema: recordings

Revision ID: t0006
Revises: t0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0006"
down_revision = "t0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement (indexes inline): every tenant statement costs provisioning time.
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("camera_id", sa.String(36), nullable=False),
        sa.Column("started_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("ended_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("video_codec", sa.String(32), nullable=True),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("object_key", sa.String(500), nullable=False),
        sa.Column("thumbnail_key", sa.String(500), nullable=True),
        sa.Column("checksum", sa.String(64), nullable=True),
        sa.Column("storage_tier", sa.String(8), nullable=False, server_default="hot"),
        sa.Column("state", sa.String(16), nullable=False, server_default="ready"),
        sa.Column("failure_reason", sa.String(300), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.UniqueConstraint("source", name="uq_recordings_source"),
        sa.Index("ix_recordings_camera_start", "camera_id", "started_at"),
        sa.Index("ix_recordings_started_at", "started_at"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("recordings", if_exists=True)
