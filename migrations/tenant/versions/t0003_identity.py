"""tenant schema: users, refresh_tokens, api_tokens, one_time_tokens, audit_logs

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None

DT = mysql.DATETIME(fsp=6)
ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("last_login_at", DT, nullable=True),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("updated_at", DT, nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.Index("ix_users_role_state", "role", "state"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("family_id", ID, nullable=False),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE",
                                               name="fk_refresh_tokens_user_id_users"),
                  nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("expires_at", DT, nullable=False),
        sa.Column("used_at", DT, nullable=True),
        sa.Column("revoked_at", DT, nullable=True),
        sa.Index("ix_refresh_tokens_family_id", "family_id"),
        sa.Index("ix_refresh_tokens_user_id", "user_id"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE",
                                               name="fk_api_tokens_user_id_users"),
                  nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("ip_allowlist", sa.JSON, nullable=True),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("expires_at", DT, nullable=True),
        sa.Column("last_used_at", DT, nullable=True),
        sa.Column("revoked_at", DT, nullable=True),
        sa.UniqueConstraint("prefix", name="uq_api_tokens_prefix"),
        sa.Index("ix_api_tokens_user_id", "user_id"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE",
                                               name="fk_one_time_tokens_user_id_users"),
                  nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("expires_at", DT, nullable=False),
        sa.Column("used_at", DT, nullable=True),
        sa.Index("ix_one_time_tokens_user_id", "user_id"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "audit_logs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("occurred_at", DT, nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_label", sa.String(254), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=True),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.Index("ix_audit_logs_occurred_at_id", "occurred_at", "id"),
        sa.Index("ix_audit_logs_actor_id", "actor_id"),
        sa.Index("ix_audit_logs_action", "action"),
        sa.Index("ix_audit_logs_resource", "resource_type", "resource_id"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    for table in ("audit_logs", "one_time_tokens", "api_tokens", "refresh_tokens", "users"):
        op.drop_table(table, if_exists=True)
