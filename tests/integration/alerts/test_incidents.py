"""Incidents from camera status changes, end to end through the alerts job: a blip inside
the debounce sends nothing; a drop past it sends one branded e-mail (received by a real SMTP
server) per recipient and one on recovery, never twice; SMS go through a Twilio-compatible
API up to the tenant's daily cap; in-app notifications are the user's own list."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from argus.platform.alerts.jobs import run_alerts
from argus.platform.alerts.models import Incident, Notification
from argus.platform.app import create_app, services_of_app
from argus.platform.core.db import utcnow
from argus.platform.ingest.live import set_status
from tests.integration.alerts.conftest import SID, add_camera, worker_ctx
from tests.integration.conftest import bearer, login


async def _rule(services, tenant, brand=None, **rule) -> None:
    app = create_app(services.settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        admin = bearer(tenant, (await login(client, tenant))["access_token"])
        if brand:
            assert (await client.patch("/api/v1/branding", headers=admin, json=brand)
                    ).status_code == 200
        made = await client.post("/api/v1/notification-rules", headers=admin, json={
            "name": "Camera offline", "event_type": "camera.offline", **rule})
        assert made.status_code == 201, made.text
    finally:
        await services_of_app(app).close()


async def _due_now(services, context) -> None:
    """Let the pending incidents' debounce pass (the e2e test waits for real)."""
    async with services.dbs.tenant_session(context) as session:
        await session.execute(update(Incident).where(Incident.state == "pending")
                              .values(notify_at=utcnow()))
        await session.commit()


async def test_a_blip_sends_nothing_and_a_long_drop_one_alert_and_one_recovery(
        alert_services, tenant_a, smtp_inbox):
    inbox, _ = smtp_inbox
    services, ctx = alert_services, worker_ctx(alert_services)
    context = await services.resolver.load(tenant_a.id)
    camera = await add_camera(services, tenant_a)
    await _rule(services, tenant_a, brand={"product_name": "Acme Watch",
                                           "primary_color": "#123456",
                                           "email_sender_name": "Acme Alerts"},
                channels=["email"], debounce_seconds=60,
                recipients={"roles": ["admin"], "emails": ["Ops@Example.org"]})
    infra = services
    await set_status(infra, context, camera, "online")

    # A blip: offline, back within the debounce. Nothing is sent.
    assert await set_status(infra, context, camera, "offline", reason="publisher left")
    await run_alerts(ctx, tenant_a.id)
    assert await set_status(infra, context, camera, "online")
    await run_alerts(ctx, tenant_a.id)
    async with services.dbs.tenant_session(context) as session:
        [blip] = list(await session.scalars(select(Incident)))
        assert blip.state == "cancelled"
        assert list(await session.scalars(select(Notification))) == []
    assert inbox.mail == []

    # A drop past the debounce: one alert per recipient, and one recovery.
    await set_status(infra, context, camera, "offline", reason="publisher left")
    await _due_now(services, context)
    assert (await run_alerts(ctx, tenant_a.id))["sent"] == 2
    assert (await run_alerts(ctx, tenant_a.id)).get("sent", 0) == 0  # never twice
    [alert] = inbox.to("ops@example.org")
    assert len(inbox.to(tenant_a.emails["admin"])) == 1
    assert alert["Subject"] == "Acme Watch: Front door is offline"
    assert "Acme Alerts" in alert["From"]
    html = alert.get_body(("html",)).get_content()
    text = alert.get_body(("plain",)).get_content()
    assert "#123456" in html and "/api/v1/branding/logo" in html and "Front door" in html
    assert "publisher left" in text and "/cameras/" in text
    await set_status(infra, context, camera, "online")
    await run_alerts(ctx, tenant_a.id)
    recovery = inbox.to("ops@example.org")[1]
    assert recovery["Subject"] == "Acme Watch: Front door is back online"
    assert len(inbox.mail) == 4

    # Another offline within the cooldown-free rule is a new incident: listed via the API.
    app = create_app(services.settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        listed = (await client.get("/api/v1/incidents", headers=admin)).json()["items"]
        assert [i["state"] for i in listed] == ["resolved", "cancelled"]
        assert sorted((m["phase"], m["state"]) for m in listed[0]["messages"]) == [
            ("opened", "sent"), ("opened", "sent"), ("resolved", "sent"), ("resolved", "sent")]
        page = (await client.get("/api/v1/incidents?limit=1", headers=admin)).json()
        rest = (await client.get(f"/api/v1/incidents?limit=1&cursor={page['next_cursor']}",
                                 headers=admin)).json()
        assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in listed]
        bad = await client.get("/api/v1/incidents?state=lost", headers=admin)
        assert bad.status_code == 422 and bad.json()["field"] == "state"
    finally:
        await services_of_app(app).close()


async def test_sms_go_through_the_api_up_to_the_daily_cap(alert_services, tenant_a, twilio):
    services, ctx = alert_services, worker_ctx(alert_services)
    context = await services.resolver.load(tenant_a.id)
    camera = await add_camera(services, tenant_a, name="Yard")
    await _rule(services, tenant_a, channels=["sms"], recipients={
        "phones": ["+15551230001", "+15551230002", "+15551230003"]})
    await set_status(services, context, camera, "offline")
    result = await run_alerts(ctx, tenant_a.id)
    assert result["sent"] == 2  # the cap (2 in these settings)
    assert [m["To"] for m in twilio.sent] == ["+15551230001", "+15551230002"]
    assert twilio.sent[0]["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert twilio.sent[0]["From"] == "+15550000000" and "Yard is offline" in twilio.sent[0][
        "Body"]
    async with services.dbs.tenant_session(context) as session:
        skipped = (await session.scalars(select(Notification).where(
            Notification.recipient == "+15551230003"))).one()
        assert skipped.state == "skipped" and "SMS cap" in skipped.error


async def test_in_app_notifications_are_the_users_own(alert_services, tenant_a, tenant_b):
    services, ctx = alert_services, worker_ctx(alert_services)
    context = await services.resolver.load(tenant_a.id)
    camera = await add_camera(services, tenant_a, name="Gate", tags=["perimeter"])
    await _rule(services, tenant_a, channels=["in_app"], scope="tag", tag="perimeter",
                recipients={"roles": ["operator"]})
    other = await add_camera(services, tenant_a, name="Lobby")  # not tagged: out of scope
    await set_status(services, context, other, "offline")
    await set_status(services, context, camera, "offline")
    assert (await run_alerts(ctx, tenant_a.id))["sent"] == 1
    app = create_app(services.settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        operator = bearer(tenant_a, (await login(client, tenant_a, "operator"))["access_token"])
        admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        mine = (await client.get("/api/v1/notifications", headers=operator)).json()
        assert mine["unread"] == 1 and [n["title"] for n in mine["items"]] == [
            "Gate is offline"]
        assert mine["items"][0]["link"] == f"/cameras/{camera}"
        assert (await client.get("/api/v1/notifications", headers=admin)).json()[
            "items"] == []
        b = bearer(tenant_b, (await login(client, tenant_b, "operator"))["access_token"])
        assert (await client.get("/api/v1/notifications", headers=b)).json()["items"] == []
        # Another user cannot mark it read; its owner can.
        ident = mine["items"][0]["id"]
        assert (await client.post("/api/v1/notifications/read", headers=admin,
                                  json={"ids": [ident]})).json() == {"unread": 0}
        assert (await client.get("/api/v1/notifications?unread=true", headers=operator)
                ).json()["unread"] == 1
        assert (await client.post("/api/v1/notifications/read", headers=operator, json={})
                ).json() == {"unread": 0}
        assert (await client.get("/api/v1/notifications?unread=true", headers=operator)
                ).json()["items"] == []
    finally:
        await services_of_app(app).close()
