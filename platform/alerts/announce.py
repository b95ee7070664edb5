"""``announce``: how a domain publishes a fact's event — in the fact's own transaction, a
webhook delivery for each subscribed endpoint and the incidents the tenant's notification
rules open or close (never lost on a crash, never sent for a rolled-back change). After the
commit, ``Announced.dispatch`` queues the work, so it starts at once; the minutely sweeps
catch up if that queueing is lost.

    announced = await announce(session, "camera.online", {"camera_id": camera.id})
    await session.commit()
    await announced.dispatch(infra.jobs, tenant.id)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts import jobs as alert_jobs
from argus.platform.alerts.incidents import observe
from argus.platform.core.jobs import Jobs
from argus.platform.webhooks import jobs as webhook_jobs
from argus.platform.webhooks.delivery import emit

log = structlog.get_logger("argus.alerts")


@dataclass
class Announced:
    endpoints: list[str] = field(default_factory=list)
    alerts: bool = False

    def __iadd__(self, other: Announced) -> Announced:
        self.endpoints += [e for e in other.endpoints if e not in self.endpoints]
        self.alerts = self.alerts or other.alerts
        return self

    async def dispatch(self, jobs: Jobs, tenant_id: str) -> None:
        """Queue the deliveries and the alerts run (after the commit); a failure here only
        delays them until the sweeps."""
        try:
            if self.endpoints:
                await webhook_jobs.kick(jobs, tenant_id, self.endpoints)
            if self.alerts:
                await alert_jobs.kick(jobs, tenant_id)
        except Exception as exc:
            log.warning("alerts.dispatch_failed", tenant_id=tenant_id, error=str(exc))


async def announce(session: AsyncSession, event_type: str, data: dict[str, Any]) -> Announced:
    return Announced(endpoints=await emit(session, event_type, data),
                     alerts=await observe(session, event_type, data))
