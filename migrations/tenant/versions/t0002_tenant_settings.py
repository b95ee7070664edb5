"""tenant schema: tenant_settings (per-tenant key/value settings: chunk length, retention, ...)

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True,
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("tenant_settings", if_exists=True)
