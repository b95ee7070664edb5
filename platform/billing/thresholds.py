"""``usage.threshold``: a tenant that reaches 80 % and then 100 % of a plan allowance hears it
once per month, metric and threshold (through its webhooks and notification rules). The claim
row is written in the event's transaction, so a crash never loses the event and a rerun never
repeats it. Allowances of zero or without a limit are not watched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.plans import Limits
from argus.platform.alerts.announce import Announced, announce
from argus.platform.billing.overview import plan_overview
from argus.platform.core.db import Databases, TenantBase, UTCDateTime, utcnow
from argus.tenants.context import TenantContext

THRESHOLDS = (80, 100)
# overview "use" key -> (metric name in the event, the allowance's key)
WATCHED = {"cameras": ("cameras", "limit"), "storage_gb": ("storage_gb", "included"),
           "egress_gb_this_month": ("egress_gb", "included"),
           "clip_exports_this_month": ("clip_exports", "limit")}


class UsageThreshold(TenantBase):
    """A threshold the tenant was told of, once per ``period`` (``YYYY-MM``)."""

    __tablename__ = "usage_thresholds"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, primary_key=True)
    used: Mapped[str] = mapped_column(String(32))
    allowance: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def crossed(use: dict[str, dict[str, Any]]) -> list[tuple[str, int, float, float]]:
    """(metric, threshold, used, allowance) for every threshold the use has reached."""
    found = []
    for key, (metric, allowance_key) in WATCHED.items():
        used, allowance = use[key]["used"], use[key][allowance_key]
        if not allowance:
            continue
        found += [(metric, t, used, allowance) for t in THRESHOLDS
                  if used * 100 >= allowance * t]
    return found


async def check_thresholds(tenant: TenantContext, limits: Limits, dbs: Databases,
                           session: AsyncSession) -> Announced:
    """Announce the thresholds reached and not yet told this month; commits."""
    overview = await plan_overview(tenant, limits, dbs, session)
    period = utcnow().strftime("%Y-%m")
    told = {(r.metric, r.threshold) for r in await session.scalars(
        select(UsageThreshold).where(UsageThreshold.period == period))}
    announced = Announced()
    for metric, threshold, used, allowance in crossed(overview["use"]):
        if (metric, threshold) in told:
            continue
        session.add(UsageThreshold(period=period, metric=metric, threshold=threshold,
                                   used=str(used), allowance=str(allowance)))
        announced += await announce(session, "usage.threshold", {
            "metric": metric, "percent": threshold, "used": used, "allowance": allowance,
            "plan": overview["plan"], "period": period})
    await session.commit()
    return announced
