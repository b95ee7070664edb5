"""control schema: storage_tiers, each tenant's stored bytes by tier (for metrics)

Revision ID: c0014
Revises: c0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0014"
down_revision = "c0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_tiers",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("tier", sa.String(16), primary_key=True),
        sa.Column("bytes", sa.BigInteger, nullable=False, server_default="0"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("storage_tiers", if_exists=True)
