"""Telling a tenant that a publish was refused (``stream.refused``; ``quota.exceeded`` too when
the plan is why) through its webhooks and notification rules. A camera retrying every few
seconds would flood them, so each (camera, reason) is told at most once per ``QUIET`` seconds.
A key nobody owns belongs to no tenant: nobody is told (the refusal is logged)."""

from __future__ import annotations

import structlog

from argus.platform.alerts.announce import announce
from argus.platform.core.infra import Infra
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.ingest")
QUIET = 300
QUOTA = "quota_exceeded"


async def tell_refused(infra: Infra, tenant: TenantContext, camera_id: str, reason: str,
                       detail: str) -> bool:
    """Announce the refusal unless this camera was refused for this reason lately; never
    raises (the publish is refused either way)."""
    control = infra.settings.database.control_schema
    try:
        if not await infra.redis.set(f"argus:{control}:refused:{tenant.id}:{camera_id}:"
                                     f"{reason}", "1", nx=True, ex=QUIET):
            return False
        data = {"camera_id": camera_id, "reason": reason, "detail": detail}
        async with infra.dbs.tenant_session(tenant) as session:
            announced = await announce(session, "stream.refused", data)
            if reason == QUOTA:
                announced += await announce(session, "quota.exceeded", data)
            await session.commit()
        await announced.dispatch(infra.jobs, tenant.id)
        return True
    except Exception as exc:
        log.warning("ingest.refusal_not_announced", tenant=tenant.slug, camera_id=camera_id,
                    error=str(exc))
        return False
