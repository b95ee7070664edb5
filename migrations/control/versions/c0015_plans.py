"""control schema: plans (limits and prices) seeded with the four starting plans, and
tenant_plan_changes (every plan a tenant was on, from when), back-filled from tenants.plan

Revision ID: c0015
Revises: c0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "c0015"
down_revision = "c0014"
branch_labels = None
depends_on = None

_LIMITS = ("max_cameras", "max_bitrate_kbps", "max_height", "max_retention_days",
           "clip_exports_per_month", "api_rate_limit", "custom_domains")
# The four plans every deployment starts with (later edits go through the provider API).
_SEEDS = [
    dict(name="trial", price_per_camera_month=0, included_cameras=2, max_cameras=2,
         max_bitrate_kbps=4000, max_height=720, max_retention_days=7, abr_allowed=False,
         low_latency_allowed=False, storage_included_gb=10, storage_overage_per_gb_month=0,
         egress_included_gb=10, egress_overage_per_gb=0, clip_exports_per_month=10,
         api_rate_limit=60, custom_domains=0, powered_by_removable=False),
    dict(name="standard", price_per_camera_month=500, included_cameras=0, max_cameras=100,
         max_bitrate_kbps=6000, max_height=1080, max_retention_days=90, abr_allowed=False,
         low_latency_allowed=True, storage_included_gb=100, storage_overage_per_gb_month=3,
         egress_included_gb=100, egress_overage_per_gb=8, clip_exports_per_month=200,
         api_rate_limit=None, custom_domains=3, powered_by_removable=False),
    dict(name="professional", price_per_camera_month=900, included_cameras=0,
         max_cameras=1000, max_bitrate_kbps=12000, max_height=2160, max_retention_days=365,
         abr_allowed=True, low_latency_allowed=True, storage_included_gb=1000,
         storage_overage_per_gb_month=2, egress_included_gb=1000, egress_overage_per_gb=6,
         clip_exports_per_month=2000, api_rate_limit=None, custom_domains=10,
         powered_by_removable=True),
    dict(name="enterprise", price_per_camera_month=1200, included_cameras=0, max_cameras=None,
         max_bitrate_kbps=None, max_height=None, max_retention_days=3650, abr_allowed=True,
         low_latency_allowed=True, storage_included_gb=10000, storage_overage_per_gb_month=2,
         egress_included_gb=10000, egress_overage_per_gb=5, clip_exports_per_month=None,
         api_rate_limit=None, custom_domains=None, powered_by_removable=True),
]


def upgrade() -> None:
    money = ("price_per_camera_month", "included_cameras", "storage_included_gb",
             "storage_overage_per_gb_month", "egress_included_gb", "egress_overage_per_gb")
    plans = op.create_table(
        "plans",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
        *[sa.Column(c, sa.Integer, nullable=False, server_default="0") for c in money],
        *[sa.Column(c, sa.Integer, nullable=True) for c in _LIMITS],
        sa.Column("abr_allowed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("low_latency_allowed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("powered_by_removable", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    now = sa.func.utc_timestamp(6)
    bind = op.get_bind()
    for seed in _SEEDS:
        exists = bind.execute(sa.text("SELECT 1 FROM plans WHERE name = :n"),
                              {"n": seed["name"]}).first()
        if exists is None:
            bind.execute(plans.insert().values(currency="USD", created_at=now, updated_at=now,
                                               **seed))
    op.create_table(
        "tenant_plan_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(36),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("effective_at", mysql.DATETIME(fsp=6), nullable=False),
        if_not_exists=True, mysql_charset="utf8mb4",
    )
    op.execute("INSERT INTO tenant_plan_changes (tenant_id, plan, effective_at) "
               "SELECT t.id, t.plan, t.created_at FROM tenants t WHERE NOT EXISTS "
               "(SELECT 1 FROM tenant_plan_changes c WHERE c.tenant_id = t.id)")


def downgrade() -> None:
    op.drop_table("tenant_plan_changes", if_exists=True)
    op.drop_table("plans", if_exists=True)
