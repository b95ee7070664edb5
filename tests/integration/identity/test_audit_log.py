"""The audit log API: who did what, filters, time range, cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.conftest import bearer


async def test_audit_log_filters_and_pages(admin_session):
    client, tenant, admin = admin_session
    headers = bearer(tenant, admin)
    started = datetime.now(UTC) - timedelta(seconds=1)
    created = []
    for i in range(5):
        response = await client.post("/api/v1/users", headers=headers,
                                     json={"email": f"audit{i}@x.example", "name": f"A{i}",
                                           "role": "viewer"})
        created.append(response.json()["id"])
    me = (await client.get("/api/v1/me", headers=headers)).json()

    response = await client.get("/api/v1/audit-logs", headers=headers,
                                params={"action": "users.create", "limit": 2})
    page = response.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    seen = [e["resource_id"] for e in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        page = (await client.get("/api/v1/audit-logs", headers=headers,
                                 params={"action": "users.create", "limit": 2,
                                         "cursor": cursor})).json()
        seen += [e["resource_id"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert seen[:5] == list(reversed(created))  # newest first, no duplicates
    assert len(seen) == len(set(seen))

    entry = (await client.get("/api/v1/audit-logs", headers=headers,
                              params={"resource_type": "user", "resource_id": created[0]})
             ).json()["items"]
    assert len(entry) == 1
    entry = entry[0]
    assert entry["actor_type"] == "user" and entry["actor_id"] == me["id"]
    assert entry["actor_label"] == me["email"] and entry["result"] == "success"
    assert entry["ip"] == "127.0.0.1" and entry["user_agent"]

    mine = (await client.get("/api/v1/audit-logs", headers=headers,
                             params={"actor": me["id"], "since": started.isoformat()})
            ).json()["items"]
    assert {e["action"] for e in mine} >= {"users.create", "auth.login"}
    future = (await client.get("/api/v1/audit-logs", headers=headers,
                               params={"since": (datetime.now(UTC) + timedelta(hours=1))
                                       .isoformat()})).json()["items"]
    assert future == []
