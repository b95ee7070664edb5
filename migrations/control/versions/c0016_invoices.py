"""control schema: invoices (one live invoice per tenant and month), and an index on the ledger
by meter and day for the invoice run's grouped reads

Revision ID: c0016
Revises: c0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0016"
down_revision = "c0015"
branch_labels = None
depends_on = None

_TIMES = ("finalized_at", "due_at", "paid_at", "voided_at", "reminded_at", "suspended_at")


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("open_period", sa.String(7), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        *[sa.Column(c, mysql.DATETIME(fsp=6), nullable=True) for c in _TIMES],
        sa.UniqueConstraint("tenant_id", "open_period", name="uq_invoices_open"),
        sa.Index("ix_invoices_period_state", "period", "state"),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    bind = op.get_bind()
    exists = bind.execute(sa.text(
        "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() "
        "AND table_name = 'usage_events' AND index_name = 'ix_usage_events_meter_day'")).first()
    if exists is None:
        op.create_index("ix_usage_events_meter_day", "usage_events", ["meter", "day"])


def downgrade() -> None:
    op.drop_index("ix_usage_events_meter_day", "usage_events")
    op.drop_table("invoices", if_exists=True)
