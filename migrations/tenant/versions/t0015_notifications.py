"""tenant schema: notification_rules, incidents and notifications (one message per incident,
phase, channel and recipient; in-app ones are the users' notification lists)

Revision ID: t0015
Revises: t0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0015"
down_revision = "t0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_rules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False, index=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(64), nullable=True),
        sa.Column("camera_ids", sa.JSON, nullable=True),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("debounce_s", sa.Integer, nullable=False),
        sa.Column("cooldown_s", sa.Integer, nullable=False),
        sa.Column("notify_recovery", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("rule_id", sa.String(36), nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(36), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("data", sa.JSON, nullable=True),
        sa.Column("started_at", mysql.DATETIME(fsp=6), nullable=False, index=True),
        sa.Column("notify_at", mysql.DATETIME(fsp=6), nullable=True, index=True),
        sa.Column("opened_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("resolved_at", mysql.DATETIME(fsp=6), nullable=True),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("rule_id", sa.String(36), nullable=False, index=True),
        sa.Column("subject", sa.String(36), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String(300), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False, index=True),
        sa.Column("sent_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("read_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.UniqueConstraint("incident_id", "phase", "channel", "recipient",
                            name="uq_notifications_message"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("notifications", if_exists=True)
    op.drop_table("incidents", if_exists=True)
    op.drop_table("notification_rules", if_exists=True)
