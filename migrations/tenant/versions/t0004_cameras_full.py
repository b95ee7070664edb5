"""tenant schema: the camera's full record (vendor, ingest mode, status, live facts)

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateColumn

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None

COLUMNS = [
    sa.Column("vendor", sa.String(16), nullable=False, server_default="other"),
    sa.Column("model", sa.String(100), nullable=True),
    sa.Column("serial_number", sa.String(100), nullable=True),
    sa.Column("location", sa.String(200), nullable=True),
    sa.Column("tags", sa.JSON, nullable=True),
    sa.Column("ingest_mode", sa.String(16), nullable=False, server_default="rtmp_push"),
    sa.Column("rtsp_url", sa.String(1000), nullable=True),
    sa.Column("stream_key_hint", sa.String(8), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("record", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(16), nullable=False, server_default="offline"),
    sa.Column("status_reason", sa.String(200), nullable=True),
    sa.Column("last_seen_at", mysql.DATETIME(fsp=6), nullable=True),
    sa.Column("ingest_node_id", sa.String(64), nullable=True),
    sa.Column("video_codec", sa.String(32), nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("fps", sa.Float, nullable=True),
    sa.Column("bitrate_kbps", sa.Integer, nullable=True),
]


def upgrade() -> None:
    # One ALTER TABLE for all of it: 21 separate statements tripled the cost of provisioning a
    # tenant. IF NOT EXISTS on every clause keeps a rerun after a failure harmless (MariaDB).
    dialect = op.get_bind().dialect
    clauses = [f"ADD COLUMN IF NOT EXISTS {CreateColumn(c).compile(dialect=dialect)}"
               for c in COLUMNS]
    clauses += ["ADD INDEX IF NOT EXISTS ix_cameras_status (status)",
                "ADD INDEX IF NOT EXISTS ix_cameras_vendor (vendor)"]
    op.execute(f"ALTER TABLE cameras {', '.join(clauses)}")


def downgrade() -> None:
    op.drop_index("ix_cameras_vendor", "cameras", if_exists=True)
    op.drop_index("ix_cameras_status", "cameras", if_exists=True)
    for column in reversed(COLUMNS):
        op.drop_column("cameras", column.name, if_exists=True)
