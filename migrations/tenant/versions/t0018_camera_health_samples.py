"""tenant schema: camera_health_samples (a live stream's bitrate, fps and size over time)

Revision ID: t0018
Revises: t0017
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0018"
down_revision = "t0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_health_samples",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(36), nullable=False),
        sa.Column("at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("kbps", sa.Integer, nullable=True),
        sa.Column("fps", sa.Float, nullable=True),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
    )
    op.create_index("ix_camera_health_samples_camera_at", "camera_health_samples",
                    ["camera_id", "at"])
    op.create_index("ix_camera_health_samples_at", "camera_health_samples", ["at"])


def downgrade() -> None:
    op.drop_table("camera_health_samples")
