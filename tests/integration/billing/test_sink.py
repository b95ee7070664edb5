"""The Stripe sink against a local fake of Stripe's API: every ledger event becomes one meter
event and a finalized invoice's priced lines become invoice items, once, through failures and
a crash between sending and recording; ``none`` sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import stripe
from sqlalchemy import delete, func, select

from argus.billing.invoices import Invoice
from argus.billing.jobs import export_to_sink
from argus.billing.ledger import append_events
from argus.billing.sink import SinkExport, export
from argus.billing.stripe_sink import StripeSink
from argus.platform.core.db import utcnow
from argus.platform.services import CTX_KEY
from tests.stripe_fake import StripeFake

AT = datetime(2026, 11, 20, 9, tzinfo=UTC)


@pytest.fixture
def stripe_fake():
    fake = StripeFake()
    yield fake
    fake.close()


async def test_usage_and_invoices_reach_stripe_exactly_once(services, tenant_a, stripe_fake):
    rows = [("camera_minutes", f"s{i}:2026-11-20", 90.4 * (i + 1), 0) for i in range(5)]
    rows += [("egress_bytes", "n1:7:0:cam:2026-11-20", 0, 123_456),
             ("cameras_billable", "cam:2026-11-20", 0, 0)]
    invoice = Invoice(tenant_id=tenant_a.id, period="2026-10", open_period="2026-10",
                      state="finalized", currency="USD", total=1250, finalized_at=utcnow(),
                      lines=[{"kind": "cameras", "plan": "standard", "description": "cameras",
                              "quantity": "75 camera-days", "unit_amount": 500,
                              "amount": 1250},
                             {"kind": "clip_exports", "plan": "standard",
                              "description": "clip exports", "quantity": "2 exports",
                              "unit_amount": 0, "amount": 0}])
    async with services.dbs.control_session() as control:
        await append_events(control, [dict(tenant_id=tenant_a.id, meter=m, idempotency_key=k,
                                           day=date(2026, 11, 20), seconds=s, bytes=b,
                                           created_at=AT) for m, k, s, b in rows])
        control.add(invoice)
        await control.commit()
    sink = StripeSink("sk_test_fake", stripe_fake.url)

    # Stripe is down: the library retries twice with the same key, then the export stops
    # (the cron tries again next minute); nothing was recorded as sent.
    stripe_fake.fail_next = 3
    with pytest.raises(stripe.APIError):
        await export(services.dbs, sink, tenant_id=tenant_a.id)
    assert stripe_fake.fail_next == 0
    sent = await export(services.dbs, sink, tenant_id=tenant_a.id)
    assert sent == {"events": 7, "invoices": 1}
    assert await export(services.dbs, sink, tenant_id=tenant_a.id) == {"events": 0,
                                                                        "invoices": 0}

    # A crash after Stripe accepted but before the export was recorded: sent again with the
    # same idempotency keys, and Stripe (here: the fake) replays its first answer.
    async with services.dbs.control_session() as control:
        await control.execute(delete(SinkExport).where(SinkExport.tenant_id == tenant_a.id,
                                                       SinkExport.meter == "camera_minutes"))
        await control.commit()
    replays = stripe_fake.replays
    assert (await export(services.dbs, sink, tenant_id=tenant_a.id))["events"] == 5
    assert stripe_fake.replays == replays + 5

    events = stripe_fake.accepted("/v1/billing/meter_events")
    assert len(events) == 7 and len({e["identifier"] for e in events}) == 7
    minutes = sorted(int(e["payload[value]"]) for e in events
                     if e["event_name"] == "argus_camera_minutes")
    assert minutes == [90, 181, 271, 362, 452]  # seconds, whole
    assert {e["payload[stripe_customer_id]"] for e in events} == {"cus_1"}
    [egress] = [e for e in events if e["event_name"] == "argus_egress_bytes"]
    assert egress["payload[value]"] == "123456" and egress["timestamp"] == str(
        int(AT.timestamp()))
    assert len(stripe_fake.accepted("/v1/customers")) == 1
    [item] = stripe_fake.accepted("/v1/invoiceitems")  # the zero line is not sent
    assert item["amount"] == "1250" and item["currency"] == "usd"
    assert item["customer"] == "cus_1" and item["metadata[argus_invoice]"] == invoice.id


async def test_the_default_sink_sends_nothing(services, tenant_a):
    async with services.dbs.control_session() as control:
        await append_events(control, [dict(tenant_id=tenant_a.id, meter="clip_exports",
                                           idempotency_key="k1", day=date(2026, 11, 20),
                                           seconds=0, bytes=0, created_at=AT)])
        await control.commit()
    assert services.settings.billing.sink == "none"
    assert await export_to_sink({CTX_KEY: services}) == {"events": 0, "invoices": 0}
    async with services.dbs.control_session() as control:
        assert await control.scalar(select(func.count()).select_from(SinkExport).where(
            SinkExport.tenant_id == tenant_a.id)) == 0
