"""usage.threshold: 80 % and 100 % of a plan allowance are each announced once a month, in
the transaction that records them (a rerun adds nothing)."""

from __future__ import annotations

import json

from sqlalchemy import select

from argus.billing.plans import Limits
from argus.platform.billing.thresholds import check_thresholds, crossed
from argus.platform.cameras.models import Camera
from argus.platform.webhooks.models import WebhookDelivery, WebhookEndpoint


def test_thresholds_crossed_skip_allowances_that_are_zero_or_unlimited():
    use = {"cameras": {"used": 8, "limit": 10}, "storage_gb": {"used": 5.0, "included": 0},
           "egress_gb_this_month": {"used": 12.5, "included": 10},
           "clip_exports_this_month": {"used": 3, "limit": None}}
    assert crossed(use) == [("cameras", 80, 8, 10), ("egress_gb", 80, 12.5, 10),
                            ("egress_gb", 100, 12.5, 10)]


async def test_each_threshold_is_announced_once_a_month(services, tenant_a):
    context = await services.resolver.load(tenant_a.id)
    limits = Limits(name="small", max_cameras=5)
    async with services.dbs.tenant_session(context) as session:
        session.add(WebhookEndpoint(url="http://93.184.215.14/h", description="",
                                    event_types=["usage.threshold"], enabled=True,
                                    secret_sealed="x"))
        session.add_all([Camera(name=f"C{i}") for i in range(4)])
        await session.commit()

    async def events() -> list[dict]:
        async with services.dbs.tenant_session(context) as session:
            rows = await session.scalars(select(WebhookDelivery).order_by(
                WebhookDelivery.created_at))
            return [json.loads(r.body)["data"] for r in rows]

    for _ in range(2):
        async with services.dbs.tenant_session(context) as session:
            await check_thresholds(context, limits, services.dbs, session)
    [first] = await events()
    assert first["metric"] == "cameras" and first["percent"] == 80
    assert first["used"] == 4 and first["allowance"] == 5 and first["plan"] == "small"

    async with services.dbs.tenant_session(context) as session:
        session.add(Camera(name="C5"))
        await session.commit()
        announced = await check_thresholds(context, limits, services.dbs, session)
    assert announced.endpoints
    assert [e["percent"] for e in await events()] == [80, 100]
