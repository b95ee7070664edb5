"""The usage report (provider and tenant admins): per day or month from the ledger, every
period listed, bad ranges refused naming the field, one tenant never sees another's."""

from __future__ import annotations

from datetime import date

from argus.billing.ledger import append_events
from argus.platform.core.db import utcnow
from tests.integration.conftest import bearer, login

PROVIDER = {"Host": "provider.localhost"}


async def _ledger(services, tenant, *events):
    async with services.dbs.control_session() as control:
        await append_events(control, [
            dict(tenant_id=tenant.id, meter=meter, idempotency_key=key, day=day,
                 seconds=seconds, bytes=size, created_at=utcnow())
            for meter, key, day, seconds, size in events])
        await control.commit()


async def test_usage_per_day_and_month_for_the_provider_and_the_tenant(
        client_for, tenant_a, tenant_b, provider_key, services):
    await _ledger(services, tenant_a,
                  ("camera_minutes", "s1:2026-11-29", date(2026, 11, 29), 300.0, 0),
                  ("camera_minutes", "s2:2026-11-30", date(2026, 11, 30), 90.0, 0),
                  ("cameras_billable", "c1:2026-11-30", date(2026, 11, 30), 0, 0),
                  ("cameras_billable", "c2:2026-11-30", date(2026, 11, 30), 0, 0),
                  ("recording", "r1", date(2026, 12, 1), 60.0, 5_000_000),
                  ("clip_exports", "k1", date(2026, 12, 1), 0, 0))
    await _ledger(services, tenant_b,
                  ("camera_minutes", "b1:2026-11-30", date(2026, 11, 30), 6000.0, 0))
    client = client_for()
    provider = {**PROVIDER, "Authorization": f"Bearer {provider_key}"}
    days = (await client.get(f"/provider/v1/tenants/{tenant_a.slug}/usage", headers=provider,
                             params={"from": "2026-11-29", "to": "2026-12-01"})).json()
    assert days["granularity"] == "day" and days["tenant"] == tenant_a.slug
    by_day = {item["period"]: item for item in days["items"]}
    assert list(by_day) == ["2026-11-29", "2026-11-30", "2026-12-01"]
    assert by_day["2026-11-29"]["camera_minutes"] == 5
    assert by_day["2026-11-30"]["camera_minutes"] == 1.5
    assert by_day["2026-11-30"]["camera_days"] == 2
    assert by_day["2026-12-01"]["recorded_bytes"] == 5_000_000
    assert by_day["2026-12-01"]["clip_exports"] == 1

    admin = (await login(client, tenant_a))["access_token"]
    months = (await client.get("/api/v1/billing/usage", headers=bearer(tenant_a, admin), params={
        "from": "2026-11-01", "to": "2026-12-31", "granularity": "month"})).json()
    assert [(m["period"], m["camera_minutes"], m["camera_days"]) for m in months["items"]] == [
        ("2026-11", 6.5, 2), ("2026-12", 0, 0)]
    # B's admin sees B's usage only.
    b_admin = (await login(client, tenant_b))["access_token"]
    theirs = (await client.get("/api/v1/billing/usage", headers=bearer(tenant_b, b_admin),
                               params={"from": "2026-11-30", "to": "2026-11-30"})).json()
    assert theirs["tenant"] == tenant_b.slug and theirs["items"][0]["camera_minutes"] == 100
    assert theirs["items"][0]["camera_days"] == 0

    for params, field in (({"granularity": "week"}, "granularity"),
                          ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
                          ({"from": "yesterday"}, "from"),
                          ({"from": "2025-01-01", "to": "2026-12-01"}, "to")):
        refused = await client.get("/api/v1/billing/usage", headers=bearer(tenant_a, admin),
                                   params=params)
        assert refused.status_code == 422 and refused.json()["field"] == field, params
    assert (await client.get("/provider/v1/tenants/nobody-here/usage", headers=provider)
            ).status_code == 404
    assert (await client.get(f"/provider/v1/tenants/{tenant_a.slug}/usage", headers=PROVIDER)
            ).status_code == 401
