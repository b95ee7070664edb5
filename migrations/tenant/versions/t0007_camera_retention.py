"""tenant schema: cameras.retention_days (overrides the tenant's recording retention)

Revision ID: t0007
Revises: t0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "t0007"
down_revision = "t0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE cameras ADD COLUMN IF NOT EXISTS retention_days INTEGER NULL")


def downgrade() -> None:
    op.drop_column("cameras", "retention_days", if_exists=True)
