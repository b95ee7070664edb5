"""control schema: several tenants may claim a domain; one verified claim at most

Revision ID: c0011
Revises: c0010
Create Date: 2026-12-01

A pending or failed claim no longer blocks other tenants: the primary key becomes (domain,
tenant), and a stored generated column that holds the domain only while a row is verified
carries the unique index, so at most one tenant ever holds a domain verified.
"""

from __future__ import annotations

from alembic import op

revision = "c0011"
down_revision = "c0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement, so that a rerun after a failure starts from a known state.
    op.execute(
        "ALTER TABLE tenant_domains "
        "DROP PRIMARY KEY, ADD PRIMARY KEY (domain, tenant_id), "
        "ADD COLUMN IF NOT EXISTS verified_domain VARCHAR(253) AS "
        "(CASE WHEN state = 'verified' THEN domain END) PERSISTENT, "
        "ADD UNIQUE INDEX IF NOT EXISTS uq_tenant_domains_verified (verified_domain)")


def downgrade() -> None:
    op.execute("ALTER TABLE tenant_domains DROP INDEX uq_tenant_domains_verified, "
               "DROP COLUMN verified_domain, DROP PRIMARY KEY, ADD PRIMARY KEY (domain)")
