"""Who to tell about a tenant's account: its active admins' addresses (dunning, a disabled
webhook endpoint)."""

from __future__ import annotations

from sqlalchemy import select

from argus.platform.core.infra import Infra
from argus.platform.identity.models import User
from argus.tenants.context import TenantContext
from argus.tenants.models import Tenant


async def admin_emails(infra: Infra, tenant_id: str) -> list[str]:
    """The addresses of the tenant's active admins."""
    async with infra.dbs.control_session() as control:
        row = await control.get(Tenant, tenant_id)
    if row is None:
        return []
    async with infra.dbs.tenant_session(TenantContext.from_row(row)) as session:
        return list(await session.scalars(select(User.email).where(
            User.role == "admin", User.state == "active")))
