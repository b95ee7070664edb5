"""tenant schema: webhook_endpoints (URL, event filter, sealed secret and the previous one
during a rotation)

Revision ID: t0013
Revises: t0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0013"
down_revision = "t0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(300), nullable=False, server_default=""),
        sa.Column("event_types", sa.JSON, nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("disabled_reason", sa.String(300), nullable=True),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("previous_sealed", sa.Text, nullable=True),
        sa.Column("previous_until", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("failing_since", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("webhook_endpoints", if_exists=True)
