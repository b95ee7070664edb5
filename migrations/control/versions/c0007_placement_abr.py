"""control schema: camera_placements.abr (node agents find their ABR cameras in one query)

Revision ID: c0007
Revises: c0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE camera_placements"
               " ADD COLUMN IF NOT EXISTS abr BOOLEAN NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.drop_column("camera_placements", "abr", if_exists=True)
