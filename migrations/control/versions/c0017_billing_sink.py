"""control schema: billing_customers (a tenant's customer id in the billing system) and
sink_exports (each ledger event and invoice the billing sink has accepted)

Revision ID: c0017
Revises: c0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0017"
down_revision = "c0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_customers",
        sa.Column("sink", sa.String(16), primary_key=True),
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.create_table(
        "sink_exports",
        sa.Column("sink", sa.String(16), primary_key=True),
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("meter", sa.String(32), primary_key=True),
        sa.Column("idempotency_key", sa.String(191), primary_key=True),
        sa.Column("sent_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("sink_exports", if_exists=True)
    op.drop_table("billing_customers", if_exists=True)
