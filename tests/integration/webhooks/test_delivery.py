"""Webhook delivery to a real HTTP receiver on the test host: signed so that the
standardwebhooks library verifies it with the secret shown at creation, retried on 500 under
the same webhook-id with every attempt in the log, resent under the same id, signed with both
secrets during a rotation, and a 410 disables the endpoint."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest
from standardwebhooks import Webhook

from argus.platform.app import create_app, services_of_app
from argus.platform.services import CTX_KEY
from argus.platform.webhooks.jobs import deliver_webhooks
from tests.integration.conftest import bearer, login
from tests.receivers import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
async def webhook_app(control):
    settings = dataclasses.replace(control, webhooks=dataclasses.replace(
        control.webhooks, allow_private=True, retry_schedule="0,0,0"))
    app = create_app(settings)
    yield app
    await services_of_app(app).close()


async def test_deliveries_are_signed_retried_resent_and_rotated(webhook_app, tenant_a,
                                                                receiver):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=webhook_app),
                               base_url="http://testserver.local")
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    made = (await client.post("/api/v1/webhooks", headers=a, json={"url": receiver.url})).json()
    endpoint, secret = made["endpoint"]["id"], made["secret"]
    ctx = {CTX_KEY: services_of_app(webhook_app)}

    receiver.script = [500, 500]  # then 200
    queued = await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=a)
    assert queued.status_code == 202 and queued.json()["state"] == "pending"
    assert await deliver_webhooks(ctx, tenant_a.id, endpoint) == 1
    assert len(receiver.got) == 3
    ids = {h["webhook-id"] for h, _, _ in receiver.got}
    assert ids == {queued.json()["id"]}  # the same webhook-id on every attempt
    for sent, body, _ in receiver.got:
        assert Webhook(secret).verify(body, sent)["type"] == "webhook.test"
    log = (await client.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=a)).json()
    [delivery] = log["items"]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3
    assert [t["status_code"] for t in delivery["attempt_log"]] == [500, 500, 200]
    assert delivery["attempt_log"][-1]["response"] == "ok"

    resent = await client.post(f"/api/v1/webhooks/{endpoint}/deliveries/{delivery['id']}"
                               "/resend", headers=a)
    assert resent.status_code == 202
    await deliver_webhooks(ctx, tenant_a.id, endpoint)
    assert len(receiver.got) == 4 and receiver.got[-1][0]["webhook-id"] == delivery["id"]

    # During a rotation the old and the new secret both sign.
    new_secret = (await client.post(f"/api/v1/webhooks/{endpoint}/rotate-secret", headers=a,
                                    json={"grace_seconds": 3600})).json()["secret"]
    await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=a)
    await deliver_webhooks(ctx, tenant_a.id, endpoint)
    sent, body, _ = receiver.got[-1]
    assert len(sent["webhook-signature"].split()) == 2
    for key in (secret, new_secret):
        Webhook(key).verify(body, sent)

    # A receiver that says the endpoint is gone disables it, and the admins are told.
    receiver.script = [410]
    await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=a)
    await deliver_webhooks(ctx, tenant_a.id, endpoint)
    shown = (await client.get(f"/api/v1/webhooks/{endpoint}", headers=a)).json()
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    [told] = [m for m in services_of_app(webhook_app).mailer.outbox
              if m.to == tenant_a.emails["admin"] and "webhook endpoint" in m.subject]
    assert receiver.url in told.body and "410" in told.body


async def test_an_endpoint_is_kicked_at_most_once_a_second_and_again_later(services,
                                                                           tenant_a):
    import asyncio
    import time
    import uuid

    from argus.platform.webhooks.jobs import kick

    endpoint = str(uuid.uuid4())
    await asyncio.sleep(1 - time.time() % 1 + 0.05)  # just after a second begins
    assert await kick(services.jobs, tenant_a.id, [endpoint]) == 1
    assert await kick(services.jobs, tenant_a.id, [endpoint]) == 0  # the same second
    await asyncio.sleep(1.1)
    assert await kick(services.jobs, tenant_a.id, [endpoint]) == 1  # a job id is not held


async def test_a_receiver_that_keeps_failing_runs_out_of_attempts(webhook_app, tenant_a,
                                                                  receiver, tenant_b):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=webhook_app),
                               base_url="http://testserver.local")
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    endpoint = (await client.post("/api/v1/webhooks", headers=a, json={
        "url": receiver.url})).json()["endpoint"]["id"]
    receiver.script = [503, 500, 502, 500]
    await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=a)
    ctx = {CTX_KEY: services_of_app(webhook_app)}
    assert await deliver_webhooks(ctx, tenant_a.id, endpoint) == 0
    [delivery] = (await client.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=a)
                  ).json()["items"]
    assert delivery["state"] == "failed" and delivery["attempts"] == 3  # the schedule's three

    # Recover: what failed since a time goes again under the same id.
    recover = f"/api/v1/webhooks/{endpoint}/recover"
    receiver.script = []  # working again
    assert (await client.post(recover, headers=a, json={"since": "2999-01-01T00:00:00Z"})
            ).json()["field"] == "since"
    assert (await client.post(recover, headers=a, json={"since": delivery["created_at"]})
            ).json() == {"recovered": 1}
    assert await deliver_webhooks(ctx, tenant_a.id, endpoint) == 1
    assert receiver.got[-1][0]["webhook-id"] == delivery["id"]
    assert (await client.post(recover, headers=a, json={"since": delivery["created_at"]})
            ).json() == {"recovered": 0}
    # Tenant B neither lists nor resends A's deliveries.
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    assert (await client.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=b)
            ).status_code == 404
    assert (await client.post(f"/api/v1/webhooks/{endpoint}/deliveries/{delivery['id']}"
                              "/resend", headers=b)).status_code == 404
    assert (await client.post(recover, headers=b, json={"since": delivery["created_at"]})
            ).status_code == 404


async def test_redirects_are_not_followed_and_a_hung_receiver_times_out(control, tenant_a,
                                                                        receiver):
    settings = dataclasses.replace(control, webhooks=dataclasses.replace(
        control.webhooks, allow_private=True, retry_schedule="0,1", timeout=0.5))
    app = create_app(settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        endpoint = (await client.post("/api/v1/webhooks", headers=a, json={
            "url": receiver.url})).json()["endpoint"]["id"]
        ctx = {CTX_KEY: services_of_app(app)}
        receiver.script = [302]
        await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=a)
        assert await deliver_webhooks(ctx, tenant_a.id, endpoint) == 0
        receiver.hold()  # the retry, a second later, finds the receiver hung
        try:
            await asyncio.sleep(1.1)
            assert await deliver_webhooks(ctx, tenant_a.id, endpoint) == 0
        finally:
            receiver.release()
        assert [path for path in receiver.paths] == ["/hooks", "/hooks"]  # never /elsewhere
        [delivery] = (await client.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=a)
                      ).json()["items"]
        first, second = delivery["attempt_log"]
        assert first["status_code"] == 302 and first["error"] is None
        assert second["status_code"] is None and "Timeout" in second["error"]
        assert second["latency_ms"] < 3000
        assert delivery["state"] == "failed" and delivery["attempts"] == 2
    finally:
        await services_of_app(app).close()
