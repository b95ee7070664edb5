"""tenant schema: webhook_deliveries (one event for one endpoint, its id the webhook-id) and
webhook_attempts (each try: time, status, latency, response snippet, error)

Revision ID: t0014
Revises: t0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0014"
down_revision = "t0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("endpoint_id", sa.String(36), nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", mysql.DATETIME(fsp=6), nullable=True, index=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("delivered_at", mysql.DATETIME(fsp=6), nullable=True),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(40), nullable=False, index=True),
        sa.Column("at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("response", sa.String(1000), nullable=False),
        sa.Column("error", sa.String(300), nullable=True),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("webhook_attempts", if_exists=True)
    op.drop_table("webhook_deliveries", if_exists=True)
