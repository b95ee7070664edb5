"""``/api/v1/analytics``: a camera's outages and uptime from its availability history (as
``set_status`` and a publisher leaving record it), the dashboard's figures by role, CSV
exports with the documented columns, clear errors for bad windows, and tenant B seeing none
of A's analytics."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from argus.platform.analytics.controller import CSV_COLUMNS
from argus.platform.analytics.history import record, timelines
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.ingest.live import set_status
from argus.tenants.context import TenantContext
from tests.integration.conftest import bearer, login


def iso(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _history(services, tenant, camera_id, changes):
    row = await services.tenant_service.get(tenant.slug)
    async with services.dbs.tenant_session(row) as session:
        for state, reason, at in changes:
            await record(session, camera_id, state, reason, at)
        await session.commit()


async def test_a_cameras_outages_uptime_and_csv(client_for, tenant_a, tenant_b, services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    camera_id = (await client.post("/api/v1/cameras", headers=a, json={"name": "Gate"})
                 ).json()["camera"]["id"]
    now = utcnow()
    start = now - timedelta(seconds=100)
    await _history(services, tenant_a, camera_id, [
        ("online", None, start),
        ("offline", "publisher disconnected", start + timedelta(seconds=40)),
        ("offline", "after the grace", start + timedelta(seconds=55)),  # repeats: skipped
        ("online", None, start + timedelta(seconds=80))])
    url = f"/api/v1/analytics/cameras/{camera_id}?from={iso(start)}&to={iso(now)}"
    got = (await client.get(url, headers=a)).json()
    assert got["from"] == iso(start) and got["name"] == "Gate"
    [outage] = got["outages"]
    assert outage["seconds"] == 40 and outage["reason"] == "publisher disconnected"
    assert outage["state"] == "offline" and outage["end"] == iso(start + timedelta(seconds=80))
    assert got["uptime_percent"] == 60.0 and got["observed_seconds"] == 100

    answer = await client.get(url + "&format=csv", headers=a)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_COLUMNS["camera"]
    assert [(r["camera_id"], float(r["seconds"]), r["reason"]) for r in rows] == [
        (camera_id, 40.0, "publisher disconnected")]
    by_accept = await client.get(url, headers={**a, "Accept": "text/csv"})
    assert by_accept.text == answer.text

    for query, field in (("from=yesterday", "from"), (f"from={iso(now)}&to={iso(start)}",
                                                      "from"),
                         ("from=2020-01-01T00:00:00Z", "from"), ("format=xml", "format")):
        bad = await client.get(f"/api/v1/analytics/cameras/{camera_id}?{query}", headers=a)
        assert bad.status_code == 422 and bad.json()["field"] == field, query

    # Tenant B, on its own host, reaches nothing of A's.
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    assert (await client.get(url, headers=b)).status_code == 404
    board = await client.get("/api/v1/analytics/dashboard?format=csv", headers=b)
    assert camera_id not in board.text
    assert all(c["camera_id"] != camera_id for c in (await client.get(
        "/api/v1/analytics/dashboard", headers=b)).json()["least_reliable"])


async def test_status_changes_and_a_leaving_publisher_are_recorded(tenant_a, services):
    row = TenantContext.from_row(await services.tenant_service.get(tenant_a.slug))
    async with services.dbs.tenant_session(row) as session:
        camera = Camera(name="Dock")
        session.add(camera)
        await session.commit()
        camera_id = camera.id
    assert await set_status(services, row, camera_id, "online", node_id="n1")
    await _history(services, tenant_a, camera_id, [("offline", "publisher disconnected",
                                                    utcnow())])
    # Back within the grace period: the status never left online, history comes back too.
    assert not await set_status(services, row, camera_id, "online", node_id="n1")
    assert await set_status(services, row, camera_id, "error", reason="over quota")
    async with services.dbs.tenant_session(row) as session:
        found = await timelines(session, utcnow() - timedelta(minutes=1), utcnow())
    assert [(s, r) for s, r, _ in found[camera_id].changes] == [
        ("online", None), ("offline", "publisher disconnected"), ("online", None),
        ("error", "over quota")]


async def test_the_dashboard_by_role(client_for, tenant_a, services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    camera_id = (await client.post("/api/v1/cameras", headers=a, json={"name": "Flaky"})
                 ).json()["camera"]["id"]
    now = utcnow()
    await _history(services, tenant_a, camera_id, [
        ("online", None, now - timedelta(hours=2)),
        ("offline", "publisher disconnected", now - timedelta(hours=1))])
    board = (await client.get("/api/v1/analytics/dashboard", headers=a)).json()
    assert set(board) == {"cameras", "uptime_percent", "open_incidents", "least_reliable"}
    assert set(board["uptime_percent"]) == {"24h", "7d", "30d"}
    assert board["cameras"]["total"] >= 1
    [flaky] = [c for c in board["least_reliable"] if c["camera_id"] == camera_id]
    assert flaky["uptime_percent"]["24h"] == 50.0 and flaky["outages_7d"] == 1
    rows = list(csv.DictReader(io.StringIO((await client.get(
        "/api/v1/analytics/dashboard", headers={**a, "Accept": "text/csv"})).text)))
    assert tuple(rows[0]) == CSV_COLUMNS["dashboard"]
    [mine] = [r for r in rows if r["camera_id"] == camera_id]
    assert float(mine["uptime_24h"]) == 50.0 and mine["name"] == "Flaky"

    viewer = bearer(tenant_a, (await login(client, tenant_a, "viewer"))["access_token"])
    seen = (await client.get("/api/v1/analytics/dashboard", headers=viewer)).json()
    assert seen["least_reliable"] is None and seen["cameras"] == board["cameras"]
    assert (await client.get("/api/v1/analytics/dashboard?format=csv", headers=viewer)
            ).status_code == 403
    assert (await client.get(f"/api/v1/analytics/cameras/{camera_id}", headers=viewer)
            ).status_code == 403


async def test_health_samples_are_averaged_per_step(client_for, tenant_a, services):
    from argus.platform.analytics.health import Sample, sample

    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    camera_id = (await client.post("/api/v1/cameras", headers=a, json={"name": "Mast"})
                 ).json()["camera"]["id"]
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    row = await services.tenant_service.get(tenant_a.slug)
    async with services.dbs.tenant_session(row) as session:
        for offset, kbps, fps in ((5, 900, 25.0), (35, 1100, 24.0), (65, 2000, 30.0)):
            await sample(session, start + timedelta(seconds=offset),
                         [Sample(camera_id, kbps, fps, 1280, 720)])
        await session.commit()
    url = f"/api/v1/analytics/cameras/{camera_id}?from={iso(start)}&step=60"
    got = (await client.get(url, headers=a)).json()
    assert got["step_seconds"] == 60
    assert [(p["at"], p["kbps"], p["fps"], p["samples"]) for p in got["health"]] == [
        (iso(start), 1000.0, 24.5, 2), (iso(start + timedelta(seconds=60)), 2000.0, 30.0, 1)]
    assert got["health"][0]["width"] == 1280 and got["health"][0]["height"] == 720
    for step in (0, 1, 100000):
        bad = await client.get(f"/api/v1/analytics/cameras/{camera_id}?step={step}", headers=a)
        assert bad.status_code == 422 and bad.json()["field"] == "step", step
