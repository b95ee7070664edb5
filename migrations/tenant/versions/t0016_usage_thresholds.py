"""tenant schema: usage_thresholds (each 80 % / 100 % of a plan allowance told once a month)

Revision ID: t0016
Revises: t0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0016"
down_revision = "t0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_thresholds",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("threshold", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("used", sa.String(32), nullable=False),
        sa.Column("allowance", sa.String(32), nullable=False),
        sa.Column("at", mysql.DATETIME(fsp=6), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_thresholds")
