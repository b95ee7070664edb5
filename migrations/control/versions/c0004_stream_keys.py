"""control schema: stream_keys (hash of a camera's stream key -> tenant and camera)

Publish authentication looks a presented key up here in one indexed query, whatever the
tenant. Only the SHA-256 of the key is stored; the key itself is shown once, at creation or
rotation.

Revision ID: c0004
Revises: c0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("camera_id", sa.String(36), nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.UniqueConstraint("tenant_id", "camera_id", name="uq_stream_keys_tenant_id_camera_id"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("stream_keys", if_exists=True)
