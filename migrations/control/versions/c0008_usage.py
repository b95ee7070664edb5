"""control schema: usage_daily (recorded seconds and bytes per tenant and day) and
tenants.storage_bytes

Revision ID: c0008
Revises: c0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0008"
down_revision = "c0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_daily",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("recorded_seconds", sa.Float, nullable=False, server_default="0"),
        sa.Column("recorded_bytes", sa.BigInteger, nullable=False, server_default="0"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.execute("ALTER TABLE tenants ADD COLUMN IF NOT EXISTS"
               " storage_bytes BIGINT NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.drop_column("tenants", "storage_bytes", if_exists=True)
    op.drop_table("usage_daily", if_exists=True)
