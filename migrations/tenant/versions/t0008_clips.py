"""tenant schema: clips (exports cut from recordings)

Revision ID: t0008
Revises: t0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0008"
down_revision = "t0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clips",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("camera_id", sa.String(36), nullable=False, index=True),
        sa.Column("starts_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("ends_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("object_key", sa.String(500), nullable=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("failure_reason", sa.String(300), nullable=True),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("clips", if_exists=True)
