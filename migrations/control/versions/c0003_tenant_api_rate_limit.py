"""control schema: tenants.api_rate_limit (the tenant's default per-caller API budget)

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("api_rate_limit", sa.Integer, nullable=True),
                  if_not_exists=True)


def downgrade() -> None:
    op.drop_column("tenants", "api_rate_limit", if_exists=True)
