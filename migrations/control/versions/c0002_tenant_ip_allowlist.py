"""control schema: tenants.ip_allowlist (CIDR list for the admin UI and API)

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("ip_allowlist", sa.JSON, nullable=True),
                  if_not_exists=True)


def downgrade() -> None:
    op.drop_column("tenants", "ip_allowlist", if_exists=True)
