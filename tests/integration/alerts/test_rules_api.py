"""Notification rules over the API: created, listed with a cursor, changed (the whole rule
checked again), deleted (its open incidents closed); bad input is a 422 naming the field;
another tenant's rules and incidents are out of reach; admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from argus.platform.alerts.models import Incident
from argus.platform.core.db import utcnow
from tests.integration.alerts.conftest import add_camera
from tests.integration.conftest import bearer, login

RULE = {"name": "Offline", "event_type": "camera.offline", "channels": ["email", "in_app"],
        "recipients": {"roles": ["admin"]}, "debounce_seconds": 300, "cooldown_seconds": 600}


async def test_a_rule_is_created_listed_changed_and_deleted(client_for, tenant_a, services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    camera = await add_camera(services, tenant_a)
    made = await client.post("/api/v1/notification-rules", headers=a, json={
        **RULE, "scope": "cameras", "camera_ids": [camera],
        "recipients": {"roles": ["admin"], "emails": ["Night@Example.org"],
                       "phones": ["+15551234567"]}, "channels": ["sms", "email", "email"]})
    assert made.status_code == 201, made.text
    rule = made.json()
    assert rule["channels"] == ["email", "sms"] and rule["camera_ids"] == [camera]
    assert rule["recipients"]["emails"] == ["night@example.org"]
    assert rule["debounce_seconds"] == 300 and rule["notify_recovery"] is True
    second = (await client.post("/api/v1/notification-rules", headers=a, json=RULE)).json()
    page = (await client.get("/api/v1/notification-rules?limit=1", headers=a)).json()
    rest = (await client.get(f"/api/v1/notification-rules?limit=1&cursor="
                             f"{page['next_cursor']}", headers=a)).json()
    assert {r["id"] for r in page["items"] + rest["items"]} == {rule["id"], second["id"]}

    path = f"/api/v1/notification-rules/{rule['id']}"
    changed = await client.patch(path, headers=a, json={"scope": "all", "enabled": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["scope"] == "all" and changed.json()["camera_ids"] is None
    assert changed.json()["enabled"] is False and changed.json()["channels"] == ["email",
                                                                                  "sms"]
    # Dropping the phones leaves the sms channel without anyone: refused, nothing changed.
    refused = await client.patch(path, headers=a, json={"recipients": {"roles": ["admin"]}})
    assert refused.status_code == 422 and refused.json()["field"] == "recipients"
    assert (await client.get(path, headers=a)).json()["recipients"]["phones"] == [
        "+15551234567"]

    context = await services.resolver.load(tenant_a.id)
    async with services.dbs.tenant_session(context) as session:
        session.add(Incident(rule_id=rule["id"], event_type="camera.offline", subject=camera,
                             state="pending", started_at=utcnow(), notify_at=utcnow()))
        await session.commit()
    assert (await client.delete(path, headers=a)).status_code == 204
    assert (await client.get(path, headers=a)).status_code == 404
    async with services.dbs.tenant_session(context) as session:
        assert [i.state for i in await session.scalars(select(Incident))] == ["cancelled"]


@pytest.mark.parametrize("change, field", [
    ({"event_type": "camera.online"}, "event_type"),
    ({"event_type": "webhook.test"}, "event_type"),
    ({"event_type": "camera.exploded"}, "event_type"),
    ({"channels": []}, "channels"),
    ({"channels": ["pager"]}, "channels"),
    ({"scope": "site"}, "scope"),
    ({"scope": "tag"}, "tag"),
    ({"scope": "cameras"}, "camera_ids"),
    ({"scope": "cameras", "camera_ids": ["no-such-camera"]}, "camera_ids"),
    ({"recipients": {"roles": ["owner"]}}, "recipients.roles"),
    ({"recipients": {"users": ["nobody"]}}, "recipients.users"),
    ({"recipients": {"emails": ["not-an-address"]}}, "recipients.emails"),
    ({"channels": ["sms"], "recipients": {"phones": ["555-1234"]}}, "recipients.phones"),
    ({"channels": ["sms"]}, "recipients"),
    ({"channels": ["in_app"], "recipients": {"emails": ["a@b.example"]}}, "recipients"),
    ({"debounce_seconds": -1}, "debounce_seconds"),
    ({"debounce_seconds": 86401}, "debounce_seconds"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
])
async def test_bad_rules_are_refused_naming_the_field(client_for, tenant_a, change, field):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    answer = await client.post("/api/v1/notification-rules", headers=a,
                               json={**RULE, **change})
    assert answer.status_code in (400, 422), answer.text
    body = answer.json()
    assert field in (body.get("field") or "") or field in str(body.get("extra") or body), body
    assert (await client.get("/api/v1/notification-rules", headers=a)).json()["items"] == []


async def test_another_tenants_rules_and_incidents_are_out_of_reach(client_for, tenant_a,
                                                                    tenant_b):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    rule = (await client.post("/api/v1/notification-rules", headers=a, json=RULE)).json()
    path = f"/api/v1/notification-rules/{rule['id']}"
    for method, body in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        answer = await client.request(method, path, headers=b, json=body)
        assert answer.status_code == 404, (method, answer.status_code)
    assert (await client.get("/api/v1/notification-rules", headers=b)).json()["items"] == []
    assert (await client.get(f"/api/v1/incidents?rule_id={rule['id']}", headers=b)
            ).json()["items"] == []
    assert (await client.get(path, headers=a)).json()["enabled"] is True
    operator = bearer(tenant_a, (await login(client, tenant_a, "operator"))["access_token"])
    assert (await client.get("/api/v1/notification-rules", headers=operator)
            ).status_code == 403
