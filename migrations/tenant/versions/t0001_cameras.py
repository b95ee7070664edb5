"""tenant schema: cameras

Revision ID: t0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None

DT = mysql.DATETIME(fsp=6)


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("updated_at", DT, nullable=False),
        sa.Index("ix_cameras_created_at", "created_at"),
        if_not_exists=True,
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("cameras", if_exists=True)
