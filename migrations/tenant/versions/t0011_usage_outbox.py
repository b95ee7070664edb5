"""tenant schema: usage_outbox (metered facts, committed with the fact, drained to the ledger)

Revision ID: t0011
Revises: t0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0011"
down_revision = "t0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("meter", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(191), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.UniqueConstraint("meter", "idempotency_key", name="uq_usage_outbox_key"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("usage_outbox", if_exists=True)
