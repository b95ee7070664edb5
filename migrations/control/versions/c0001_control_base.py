"""control schema: tenants, tenant_domains, provider_api_keys

Revision ID: c0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

DT = mysql.DATETIME(fsp=6)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("db_cluster", sa.String(32), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("updated_at", DT, nullable=False),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        sa.UniqueConstraint("schema", name="uq_tenants_schema"),
        sa.UniqueConstraint("bucket", name="uq_tenants_bucket"),
        sa.Index("ix_tenants_state", "state"),
        if_not_exists=True,
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "tenant_domains",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("tenant_id", sa.String(36),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                name="fk_tenant_domains_tenant_id_tenants"),
                  nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Index("ix_tenant_domains_tenant_id", "tenant_id"),
        if_not_exists=True,
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "provider_api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", DT, nullable=False),
        sa.Column("last_used_at", DT, nullable=True),
        sa.Column("revoked_at", DT, nullable=True),
        sa.UniqueConstraint("prefix", name="uq_provider_api_keys_prefix"),
        if_not_exists=True,
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("provider_api_keys", if_exists=True)
    op.drop_table("tenant_domains", if_exists=True)
    op.drop_table("tenants", if_exists=True)
