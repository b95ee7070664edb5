"""tenant schema: camera_status_changes (availability history for analytics)

Revision ID: t0017
Revises: t0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0017"
down_revision = "t0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_status_changes",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("at", mysql.DATETIME(fsp=6), nullable=False),
    )
    op.create_index("ix_camera_status_changes_camera_at", "camera_status_changes",
                    ["camera_id", "at"])
    op.create_index("ix_camera_status_changes_at", "camera_status_changes", ["at"])


def downgrade() -> None:
    op.drop_table("camera_status_changes")
