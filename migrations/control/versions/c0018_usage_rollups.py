"""control schema: usage_rollups (the ledger summed per tenant, meter and UTC day), filled from
the ledger as it stands

Revision ID: c0018
Revises: c0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0018"
down_revision = "c0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_rollups",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("meter", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    # Rerunnable: the roll-ups are rebuilt from the ledger whole.
    op.execute("DELETE FROM usage_rollups")
    op.execute("INSERT INTO usage_rollups (tenant_id, meter, day, events, seconds, bytes) "
               "SELECT tenant_id, meter, day, COUNT(*), COALESCE(SUM(seconds), 0), "
               "COALESCE(SUM(bytes), 0) FROM usage_events GROUP BY tenant_id, meter, day")


def downgrade() -> None:
    op.drop_table("usage_rollups", if_exists=True)
