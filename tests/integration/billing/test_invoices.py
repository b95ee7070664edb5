"""Invoices: drafted from the plan history and the ledger to the minor unit, rerun without
change, finalized (frozen), voided, paid; tenants see their own finalized ones only; an unpaid
invoice reminds, then suspends, and paying it resumes the tenant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, update

from argus.billing.invoices import Invoice
from argus.billing.ledger import append_events
from argus.billing.plans import TenantPlanChange
from argus.billing.pricing import GB
from argus.platform.app import services_of_app
from argus.platform.billing.jobs import dun_unpaid_invoices
from argus.platform.core.db import utcnow
from argus.platform.services import CTX_KEY
from argus.tenants.models import Tenant
from tests.integration.conftest import bearer, login
from tests.integration.web.test_pages import cookie_login

PROVIDER = {"Host": "provider.localhost"}
NOV = datetime(2026, 11, 1, tzinfo=UTC)
BASIC = {"price_per_camera_month": 500, "storage_included_gb": 50,
         "storage_overage_per_gb_month": 4, "egress_included_gb": 10,
         "egress_overage_per_gb": 10}
PRO = {"price_per_camera_month": 900, "included_cameras": 1, "storage_included_gb": 100,
       "storage_overage_per_gb_month": 2, "egress_included_gb": 20, "egress_overage_per_gb": 5}


async def _november(services, tenant, *, plans=("inv-basic", "inv-pro")) -> None:
    """Tenant ``tenant`` since October on ``plans[0]``, upgraded to ``plans[1]`` on the 16th;
    3 cameras every day, 120 GB stored every hour, 20 GB delivered in each half, 4 clips."""
    rows = [("cameras_billable", f"cam{c}:{d}", date(2026, 11, d), NOV, 0)
            for c in range(3) for d in range(1, 31)]
    rows += [("stored_byte_hours", f"hot:{h}", (NOV + timedelta(hours=h)).date(),
              NOV + timedelta(hours=h), 120 * GB) for h in range(720)]
    rows += [("egress_bytes", "n1:1:0:cam0", date(2026, 11, 5), NOV, 20 * GB),
             ("egress_bytes", "n1:1:9:cam1", date(2026, 11, 20), NOV, 20 * GB)]
    rows += [("clip_exports", f"clip{i}", date(2026, 11, 7), NOV, 0) for i in range(4)]
    async with services.dbs.control_session() as control:
        await control.execute(update(Tenant).where(Tenant.id == tenant.id)
                              .values(created_at=datetime(2026, 10, 1, tzinfo=UTC),
                                      plan=plans[1]))
        await control.execute(delete(TenantPlanChange)
                              .where(TenantPlanChange.tenant_id == tenant.id))
        control.add_all([
            TenantPlanChange(tenant_id=tenant.id, plan=plans[0],
                             effective_at=datetime(2026, 10, 3, tzinfo=UTC)),
            TenantPlanChange(tenant_id=tenant.id, plan=plans[1],
                             effective_at=datetime(2026, 11, 16, tzinfo=UTC))])
        await append_events(control, [dict(tenant_id=tenant.id, meter=m, idempotency_key=k,
                                           day=d, seconds=0, bytes=b, created_at=at)
                                      for m, k, d, at, b in rows])
        await control.commit()


async def _plans(client, provider):
    for name, body in (("inv-basic", BASIC), ("inv-pro", PRO)):
        assert (await client.put(f"/provider/v1/plans/{name}", headers=provider, json=body)
                ).status_code in (200, 201)


async def _invoice_of(client, provider, tenant, period="2026-11"):
    page = (await client.get("/provider/v1/invoices", headers=provider,
                             params={"tenant": tenant.slug, "period": period})).json()
    return [item for item in page["items"] if item["state"] != "void"]


async def test_a_months_invoice_matches_the_hand_computed_one_and_reruns_change_nothing(
        client_for, tenant_a, tenant_b, provider_key, services):
    client = client_for()
    provider = {**PROVIDER, "Authorization": f"Bearer {provider_key}"}
    await _plans(client, provider)
    await _november(services, tenant_a)

    first = await client.post("/provider/v1/invoices/run", headers=provider,
                              json={"period": "2026-11"})
    assert first.status_code == 200 and first.json()["created"] >= 1, first.text
    [invoice] = await _invoice_of(client, provider, tenant_a)
    assert invoice["state"] == "draft" and invoice["currency"] == "USD"
    assert [(line["kind"], line["plan"], line["quantity"], line["amount"])
            for line in invoice["lines"]] == [
        ("cameras", "inv-basic", "45 camera-days", 750),
        ("storage", "inv-basic", "60 GB-month", 140),
        ("egress", "inv-basic", "20 GB", 150),
        ("cameras", "inv-pro", "30 camera-days", 900),
        ("storage", "inv-pro", "60 GB-month", 20),
        ("egress", "inv-pro", "20 GB", 50),
        ("clip_exports", "inv-pro", "4 exports", 0)]
    assert invoice["total"] == 2010
    # Tenant B was created after November: no invoice of its for it.
    assert await _invoice_of(client, provider, tenant_b) == []

    again = (await client.post("/provider/v1/invoices/run", headers=provider,
                               json={"period": "2026-11"})).json()
    assert again["created"] == 0 and again["refreshed"] == 0
    [same] = await _invoice_of(client, provider, tenant_a)
    assert same == invoice

    # A draft is the provider's: the tenant sees nothing until it is finalized.
    admin = (await login(client, tenant_a))["access_token"]
    mine = await client.get("/api/v1/billing/invoices", headers=bearer(tenant_a, admin))
    assert mine.status_code == 200 and mine.json()["items"] == []
    assert (await client.get(f"/api/v1/billing/invoices/{invoice['id']}",
                             headers=bearer(tenant_a, admin))).status_code == 404

    # Late usage refreshes a draft ...
    async with services.dbs.control_session() as control:
        await append_events(control, [dict(tenant_id=tenant_a.id, meter="egress_bytes",
                                           idempotency_key="n1:1:99:cam2",
                                           day=date(2026, 11, 28), seconds=0, bytes=2 * GB,
                                           created_at=utcnow())])
        await control.commit()
    refreshed = (await client.post("/provider/v1/invoices/run", headers=provider,
                                   json={"period": "2026-11"})).json()
    assert refreshed["refreshed"] == 1
    [draft] = await _invoice_of(client, provider, tenant_a)
    assert draft["total"] == 2010 + 10  # 2 GB more beyond pro's share: × 5
    # ... but never a finalized invoice.
    final = await client.post(f"/provider/v1/invoices/{draft['id']}/finalize", headers=provider)
    assert final.status_code == 200 and final.json()["state"] == "finalized"
    assert final.json()["due_at"] is not None
    assert (await client.post(f"/provider/v1/invoices/{draft['id']}/finalize",
                              headers=provider)).json() == final.json()  # a retry: unchanged
    async with services.dbs.control_session() as control:
        await append_events(control, [dict(tenant_id=tenant_a.id, meter="egress_bytes",
                                           idempotency_key="n1:1:199:cam2",
                                           day=date(2026, 11, 29), seconds=0, bytes=50 * GB,
                                           created_at=utcnow())])
        await control.commit()
    frozen = (await client.post("/provider/v1/invoices/run", headers=provider,
                                json={"period": "2026-11"})).json()
    assert frozen["final"] >= 1 and frozen["created"] == 0
    [kept] = await _invoice_of(client, provider, tenant_a)
    assert kept["total"] == 2020 and kept["lines"] == draft["lines"]

    # The tenant sees its finalized invoice (JSON and CSV); B sees nothing of A's.
    mine = (await client.get("/api/v1/billing/invoices", headers=bearer(tenant_a, admin))).json()
    assert [i["id"] for i in mine["items"]] == [draft["id"]]
    as_csv = await client.get(f"/api/v1/billing/invoices/{draft['id']}",
                              headers={**bearer(tenant_a, admin), "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = as_csv.text.strip().splitlines()
    assert rows[0].startswith("invoice,tenant,period,state,currency,kind")
    assert rows[-1].endswith(",total,,,,,2020") and len(rows) == 1 + 7 + 1
    b_admin = (await login(client, tenant_b))["access_token"]
    assert (await client.get(f"/api/v1/billing/invoices/{draft['id']}",
                             headers=bearer(tenant_b, b_admin))).status_code == 404
    assert (await client.get("/api/v1/billing/invoices", headers=bearer(tenant_b, b_admin))
            ).json()["items"] == []
    viewer = (await login(client, tenant_a, "viewer"))["access_token"]
    assert (await client.get("/api/v1/billing/invoices", headers=bearer(tenant_a, viewer))
            ).status_code == 403

    # Void, then a fresh draft for the month; a paid invoice cannot be voided.
    assert (await client.post(f"/provider/v1/invoices/{draft['id']}/mark-paid",
                              headers=provider)).json()["state"] == "paid"
    refused = await client.post(f"/provider/v1/invoices/{draft['id']}/void", headers=provider)
    assert refused.status_code == 409 and refused.json()["field"] == "state"

    # The admin app: A's page lists the invoice, the printable page shows its lines; B's admin
    # and A's viewer cannot reach it.
    pages = client_for()
    await cookie_login(pages, tenant_a)
    overview = await pages.get("/billing", headers={"Host": tenant_a.host})
    assert overview.status_code == 200 and "inv-pro" in overview.text
    assert f"/billing/invoices/{draft['id']}" in overview.text and "20.20 USD" in overview.text
    printable = await pages.get(f"/billing/invoices/{draft['id']}",
                                headers={"Host": tenant_a.host})
    assert printable.status_code == 200 and "45 camera-days" in printable.text
    assert "20.20 USD" in printable.text and "paid" in printable.text
    others = client_for()
    await cookie_login(others, tenant_b)
    assert (await others.get(f"/billing/invoices/{draft['id']}",
                             headers={"Host": tenant_b.host})).status_code == 404
    assert draft["id"] not in (await others.get("/billing", headers={"Host": tenant_b.host})
                               ).text
    viewers = client_for()
    await cookie_login(viewers, tenant_a, "viewer")
    assert (await viewers.get("/billing", headers={"Host": tenant_a.host})).status_code == 403


async def test_invoice_moves_and_bad_input_are_refused_clearly(client_for, tenant_a,
                                                                provider_key, services):
    client = client_for()
    provider = {**PROVIDER, "Authorization": f"Bearer {provider_key}"}
    this_month = f"{utcnow():%Y-%m}"
    assert (await client.post("/provider/v1/invoices/run", headers=provider,
                              json={"period": this_month})).status_code == 200
    [current] = await _invoice_of(client, provider, tenant_a, this_month)
    early = await client.post(f"/provider/v1/invoices/{current['id']}/finalize",
                              headers=provider)
    assert early.status_code == 409 and early.json()["field"] == "period"
    paid = await client.post(f"/provider/v1/invoices/{current['id']}/mark-paid",
                             headers=provider)
    assert paid.status_code == 409 and "draft" in paid.json()["detail"]
    voided = await client.post(f"/provider/v1/invoices/{current['id']}/void", headers=provider)
    assert voided.json()["state"] == "void"
    rerun = (await client.post("/provider/v1/invoices/run", headers=provider,
                               json={"period": this_month})).json()
    assert rerun["created"] >= 1
    [fresh] = await _invoice_of(client, provider, tenant_a, this_month)
    assert fresh["id"] != current["id"] and fresh["state"] == "draft"

    for body, field in (({"period": "2026-13"}, "period"), ({"period": "2099-01"}, "period"),
                        ({"period": "Nov 2026"}, "period"), ({}, "period")):
        bad = await client.post("/provider/v1/invoices/run", headers=provider, json=body)
        assert bad.status_code in (400, 422) and field in bad.text, (body, bad.text)
    for params, field in (({"state": "open"}, "state"), ({"period": "26-11"}, "period"),
                          ({"format": "xml"}, "format"), ({"cursor": "nope"}, "cursor")):
        bad = await client.get("/provider/v1/invoices", headers=provider, params=params)
        assert bad.status_code == 422 and bad.json()["field"] == field, params
    assert (await client.post(f"/provider/v1/invoices/{fresh['id']}/pay", headers=provider)
            ).status_code == 404
    assert (await client.get("/provider/v1/invoices/nope", headers=provider)).status_code == 404
    assert (await client.get("/provider/v1/invoices", headers=PROVIDER)).status_code == 401
    assert (await client.get("/provider/v1/invoices", headers=provider,
                             params={"tenant": "nobody-here"})).status_code == 404


async def test_an_unpaid_invoice_reminds_then_suspends_and_paying_resumes(
        client_for, identity_app, tenant_a, provider_key, services):
    client = client_for()
    provider = {**PROVIDER, "Authorization": f"Bearer {provider_key}"}
    await _plans(client, provider)
    await _november(services, tenant_a)
    await client.post("/provider/v1/invoices/run", headers=provider, json={"period": "2026-11"})
    [invoice] = await _invoice_of(client, provider, tenant_a)
    await client.post(f"/provider/v1/invoices/{invoice['id']}/finalize", headers=provider)
    ctx = {CTX_KEY: services}
    sent = len(services.mailer.outbox)

    # Not near its due date (14 days away, reminders 3 days before): nothing happens.
    assert await dun_unpaid_invoices(ctx) == {"reminded": 0, "suspended": 0}
    async with services.dbs.control_session() as control:  # two days before it is due
        await control.execute(update(Invoice).where(Invoice.id == invoice["id"])
                              .values(due_at=utcnow() + timedelta(days=2)))
        await control.commit()
    assert (await dun_unpaid_invoices(ctx))["reminded"] == 1
    assert await dun_unpaid_invoices(ctx) == {"reminded": 0, "suspended": 0}  # once
    reminder = list(services.mailer.outbox)[sent:]
    assert [m.to for m in reminder] == [tenant_a.emails["admin"]]
    assert "2026-11" in reminder[0].subject and "20.10 USD" in reminder[0].body
    admin = (await login(client, tenant_a))["access_token"]

    async with services.dbs.control_session() as control:  # now overdue
        await control.execute(update(Invoice).where(Invoice.id == invoice["id"])
                              .values(due_at=utcnow() - timedelta(minutes=1)))
        await control.commit()
    assert (await dun_unpaid_invoices(ctx))["suspended"] == 1
    assert (await client.get(f"/provider/v1/tenants/{tenant_a.slug}", headers=provider)
            ).json()["state"] == "suspended"
    assert "suspended" in list(services.mailer.outbox)[-1].subject
    # Serving processes hear of it through Redis (tenant-changed); this one is not subscribed.
    services_of_app(identity_app).resolver.invalidate()
    refused = await client.get("/api/v1/billing/invoices", headers=bearer(tenant_a, admin))
    assert refused.status_code == 403 and refused.json()["code"] == "tenant_suspended"
    assert await dun_unpaid_invoices(ctx) == {"reminded": 0, "suspended": 0}

    assert (await client.post(f"/provider/v1/invoices/{invoice['id']}/mark-paid",
                              headers=provider)).json()["state"] == "paid"
    assert (await client.get(f"/provider/v1/tenants/{tenant_a.slug}", headers=provider)
            ).json()["state"] == "active"
    admin = (await login(client, tenant_a))["access_token"]
    assert (await client.get("/api/v1/billing/invoices", headers=bearer(tenant_a, admin))
            ).status_code == 200
