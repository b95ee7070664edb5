"""control schema: usage_events, the append-only usage ledger

Revision ID: c0012
Revises: c0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0012"
down_revision = "c0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("meter", sa.String(32), primary_key=True),
        sa.Column("idempotency_key", sa.String(191), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("usage_events", if_exists=True)
