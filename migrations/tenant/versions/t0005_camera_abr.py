"""tenant schema: cameras.abr (opt-in adaptive bitrate) and cameras.renditions (what exists)

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement per table keeps provisioning cheap; IF NOT EXISTS makes a rerun harmless.
    op.execute("ALTER TABLE cameras"
               " ADD COLUMN IF NOT EXISTS abr BOOLEAN NOT NULL DEFAULT 0,"
               " ADD COLUMN IF NOT EXISTS renditions JSON NULL")


def downgrade() -> None:
    op.drop_column("cameras", "renditions", if_exists=True)
    op.drop_column("cameras", "abr", if_exists=True)
