"""control schema: verification state of tenant-added domains

Revision ID: c0010
Revises: c0009
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "c0010"
down_revision = "c0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement, so that a rerun after a failure starts from a known state.
    op.execute(
        "ALTER TABLE tenant_domains "
        "ADD COLUMN IF NOT EXISTS token VARCHAR(64) NULL, "
        "ADD COLUMN IF NOT EXISTS reason VARCHAR(300) NULL, "
        "ADD COLUMN IF NOT EXISTS checked_at DATETIME(6) NULL, "
        "ADD COLUMN IF NOT EXISTS verified_at DATETIME(6) NULL")


def downgrade() -> None:
    for column in ("verified_at", "checked_at", "reason", "token"):
        op.drop_column("tenant_domains", column)

