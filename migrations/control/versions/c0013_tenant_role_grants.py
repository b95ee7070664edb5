"""control schema: tenants.role_grants (permissions a tenant grants beyond the role matrix)

Revision ID: c0013
Revises: c0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0013"
down_revision = "c0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("role_grants", sa.JSON, nullable=True),
                  if_not_exists=True)


def downgrade() -> None:
    op.drop_column("tenants", "role_grants", if_exists=True)
