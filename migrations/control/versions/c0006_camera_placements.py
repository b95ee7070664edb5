"""control schema: camera_placements (which node carries which camera) and node health

Revision ID: c0006
Revises: c0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_placements",
        sa.Column("camera_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("node_id", sa.String(64), nullable=True, index=True),
        sa.Column("pull", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    # One statement; IF NOT EXISTS keeps a rerun after a failure harmless (MariaDB).
    op.execute("ALTER TABLE ingest_nodes"
               " ADD COLUMN IF NOT EXISTS live_streams INTEGER NOT NULL DEFAULT 0,"
               " ADD COLUMN IF NOT EXISTS problems VARCHAR(500) NULL")


def downgrade() -> None:
    op.drop_column("ingest_nodes", "problems", if_exists=True)
    op.drop_column("ingest_nodes", "live_streams", if_exists=True)
    op.drop_table("camera_placements", if_exists=True)
