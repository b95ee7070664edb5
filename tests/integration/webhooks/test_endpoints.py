"""Webhook endpoints over the API: the secret shown once and sealed at rest, the event filter
checked, rotation with a grace period, private and reserved targets refused (unless allowed),
another tenant's endpoints out of reach, admins only."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlalchemy import select

from argus.platform.app import create_app, services_of_app
from argus.platform.webhooks.models import WebhookEndpoint
from argus.platform.webhooks.service import live_secrets
from argus.platform.webhooks.vault import Vault
from tests.integration.conftest import bearer, login

PUBLIC = "http://93.184.215.14/hooks/argus"  # a global address: no DNS needed to check it


async def test_an_endpoint_is_created_with_its_secret_once_and_managed(client_for, tenant_a,
                                                                      services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    made = await client.post("/api/v1/webhooks", headers=a, json={
        "url": PUBLIC, "description": "ops", "event_types": ["camera.online",
                                                           "camera.offline"]})
    assert made.status_code == 201, made.text
    body = made.json()
    secret, endpoint = body["secret"], body["endpoint"]
    assert secret.startswith("whsec_") and endpoint["event_types"] == ["camera.offline",
                                                                        "camera.online"]
    shown = await client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=a)
    assert shown.status_code == 200 and secret not in shown.text
    async with services.dbs.tenant_session(tenant_a) as session:
        row = await session.get(WebhookEndpoint, endpoint["id"])
        assert secret not in row.secret_sealed  # sealed, not stored in the clear
        assert live_secrets(row, Vault(services.settings.webhooks.keys), row.created_at) == [
            secret]

    for body, field in (({"url": PUBLIC, "event_types": ["camera.exploded"]}, "event_types"),
                        ({"url": PUBLIC, "event_types": []}, "event_types"),
                        ({"url": "ftp://93.184.215.14/x"}, "url"),
                        ({"url": PUBLIC, "colour": "red"}, "colour")):
        refused = await client.post("/api/v1/webhooks", headers=a, json=body)
        assert refused.status_code in (400, 422) and field in refused.text, (body, refused.text)

    changed = await client.patch(f"/api/v1/webhooks/{endpoint['id']}", headers=a, json={
        "all_events": True, "enabled": False, "description": "all of it"})
    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["enabled"]) == (None, False)

    rotated = await client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret", headers=a,
                                json={"grace_seconds": 3600})
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and rotated.json()["endpoint"]["previous_secret_until"]
    async with services.dbs.tenant_session(tenant_a) as session:
        row = await session.get(WebhookEndpoint, endpoint["id"])
        signing = live_secrets(row, Vault(services.settings.webhooks.keys), row.updated_at)
        assert signing == [new_secret, secret]  # both sign during the grace period
    leaked = await client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret", headers=a,
                               json={"grace_seconds": 0})
    assert leaked.json()["endpoint"]["previous_secret_until"] is None

    listed = (await client.get("/api/v1/webhooks", headers=a)).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    assert (await client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=a)
            ).status_code == 204
    assert (await client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=a)
            ).status_code == 404


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest",
                                 "http://localhost/hook", "http://[::1]/hook",
                                 "https://10.0.0.7/hook", "http://0.0.0.0/"])
async def test_private_and_reserved_targets_are_refused(client_for, tenant_a, url):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    refused = await client.post("/api/v1/webhooks", headers=a, json={"url": url})
    assert refused.status_code == 422 and refused.json()["field"] == "url", refused.text


async def test_private_targets_are_allowed_when_the_deployment_says_so(control, tenant_a):
    settings = dataclasses.replace(control, webhooks=dataclasses.replace(
        control.webhooks, allow_private=True))
    app = create_app(settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        made = await client.post("/api/v1/webhooks", headers=a,
                                 json={"url": "http://127.0.0.1:8080/hook"})
        assert made.status_code == 201, made.text
    finally:
        await services_of_app(app).close()


async def test_another_tenants_endpoints_are_out_of_reach(client_for, tenant_a, tenant_b,
                                                          services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    endpoint = (await client.post("/api/v1/webhooks", headers=a, json={"url": PUBLIC})
                ).json()["endpoint"]
    path = f"/api/v1/webhooks/{endpoint['id']}"
    for method, url, body in (("GET", path, None), ("PATCH", path, {"enabled": False}),
                              ("DELETE", path, None),
                              ("POST", f"{path}/rotate-secret", {"grace_seconds": 0})):
        answer = await client.request(method, url, headers=b, json=body)
        assert answer.status_code == 404, (method, url, answer.status_code)
    assert (await client.get("/api/v1/webhooks", headers=b)).json()["items"] == []
    async with services.dbs.tenant_session(tenant_a) as session:
        row = (await session.scalars(select(WebhookEndpoint))).one()
        assert row.enabled  # untouched
    operator = bearer(tenant_a, (await login(client, tenant_a, "operator"))["access_token"])
    assert (await client.get("/api/v1/webhooks", headers=operator)).status_code == 403


async def test_without_keys_the_routes_say_webhooks_are_not_configured(control, tenant_a):
    settings = dataclasses.replace(control, webhooks=dataclasses.replace(control.webhooks,
                                                                         keys=()))
    app = create_app(settings)
    try:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver.local")
        a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
        answer = await client.get("/api/v1/webhooks", headers=a)
        assert answer.status_code == 503 and answer.json()["code"] == "webhooks_unconfigured"
    finally:
        await services_of_app(app).close()
