"""tenant schema: cameras.chunk_minutes (minutes per recording; null: the tenant's)

Revision ID: t0009
Revises: t0008
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "t0009"
down_revision = "t0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE cameras ADD COLUMN IF NOT EXISTS chunk_minutes INTEGER NULL")


def downgrade() -> None:
    op.drop_column("cameras", "chunk_minutes", if_exists=True)
