"""Tenant B's admin, on B's host, with tenant A's ids: clips, recordings, playback, camera
replace, bulk operations, share listings and audit logs answer 404 (or nothing) and leave A's
data as it was; A's signed file links are dead on B's host."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from argus.billing.invoices import Invoice
from argus.platform.core.db import utcnow
from argus.platform.recordings.models import Clip
from tests.integration.conftest import bearer, login
from tests.integration.recordings.test_recordings_api import _record

T0 = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)


async def test_another_tenants_ids_reach_nothing(client_for, tenant_a, tenant_b, services):
    client = client_for()
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    camera = (await client.post("/api/v1/cameras", headers=a, json={"name": "A-only"})).json()
    camera_id = camera["camera"]["id"]
    recording = await _record(services, tenant_a, camera_id, T0, 60)
    share = (await client.post(f"/api/v1/cameras/{camera_id}/shares", headers=a,
                               json={})).json()
    row = await services.tenant_service.get(tenant_a.slug)
    clip_id = str(uuid.uuid4())
    await services.storage.put(row.bucket, f"clips/{clip_id}.mp4", b"\x00" * 10)
    async with services.dbs.tenant_session(row) as session:
        session.add(Clip(id=clip_id, camera_id=camera_id, starts_at=T0,
                         ends_at=T0 + timedelta(seconds=30), state="ready", progress=100,
                         object_key=f"clips/{clip_id}.mp4", size_bytes=10, duration_s=30.0,
                         created_at=utcnow(), updated_at=utcnow()))
        await session.commit()
    invoice = Invoice(tenant_id=tenant_a.id, period="2026-10", open_period="2026-10",
                      state="finalized", currency="USD", total=1234, lines=[],
                      finalized_at=utcnow())
    async with services.dbs.control_session() as control:
        control.add(invoice)
        await control.commit()
    a_clip = (await client.get(f"/api/v1/clips/{clip_id}", headers=a)).json()
    a_download = (await client.get(f"/api/v1/recordings/{recording.id}/download",
                                   headers=a)).json()

    at = (T0 + timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
    window = {"from": T0.isoformat().replace("+00:00", "Z"),
              "to": (T0 + timedelta(seconds=20)).isoformat().replace("+00:00", "Z")}
    for method, path, body in (
            ("POST", f"/api/v1/cameras/{camera_id}/clips", window),
            ("GET", f"/api/v1/clips/{clip_id}", None),
            ("PUT", f"/api/v1/cameras/{camera_id}", {"name": "taken over"}),
            ("GET", f"/api/v1/cameras/{camera_id}/shares", None),
            ("POST", f"/api/v1/cameras/{camera_id}/shares", {}),
            ("DELETE", f"/api/v1/shares/{share['share']['id']}", None),
            ("GET", f"/api/v1/cameras/{camera_id}/playback?at={at}", None),
            ("GET", f"/api/v1/cameras/{camera_id}/timeline?from={window['from']}"
                    f"&to={window['to']}", None),
            ("GET", f"/api/v1/recordings/{recording.id}", None),
            ("GET", f"/api/v1/recordings/{recording.id}/download", None),
            ("DELETE", f"/api/v1/recordings/{recording.id}", None),
            ("GET", f"/api/v1/billing/invoices/{invoice.id}", None),
            ("GET", f"/api/v1/billing/invoices/{invoice.id}?format=csv", None)):
        answer = await client.request(method, path, headers=b, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert "A-only" not in answer.text

    bulk = await client.post("/api/v1/cameras/bulk", headers=b, json={"items": [
        {"op": "disable", "id": camera_id}, {"op": "delete", "id": camera_id},
        {"op": "update", "id": camera_id, "camera": {"name": "x"}}]})
    assert bulk.status_code == 200
    assert [r["status_code"] for r in bulk.json()["results"]] == [404, 404, 404]

    # A's signed links for files do not open on B's host.
    for url in (a_clip["download_url"], a_download["url"]):
        link = urlsplit(url)
        elsewhere = await client.get(f"{link.path}?{link.query}",
                                     headers={"Host": tenant_b.host})
        assert elsewhere.status_code == 404, url
    # B's audit log names nothing of A; A's camera, share and recording are untouched.
    audit = (await client.get("/api/v1/audit-logs", headers=b)).json()["items"]
    assert not [e for e in audit if camera_id in str(e) or recording.id in str(e)]
    # B's invoices and usage hold nothing of A's.
    assert (await client.get("/api/v1/billing/invoices", headers=b)).json()["items"] == []
    assert (await client.get(f"/api/v1/billing/invoices/{invoice.id}", headers=a)
            ).json()["total"] == 1234
    mine = (await client.get(f"/api/v1/cameras/{camera_id}", headers=a)).json()
    assert mine["name"] == "A-only" and mine["enabled"] is True
    shares = (await client.get(f"/api/v1/cameras/{camera_id}/shares", headers=a)).json()
    assert [s["id"] for s in shares["items"]] == [share["share"]["id"]]
    assert (await client.get(f"/api/v1/recordings/{recording.id}", headers=a)
            ).status_code == 200
