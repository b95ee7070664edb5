"""``/metrics``: request series by route template (never a raw path, no tenant label), served
only to ``ARGUS_METRICS_ALLOW`` networks; the deployment-wide series read at scrape time, and
the per-tenant family's cardinality budget."""

from __future__ import annotations

import dataclasses
import re
import socket
import uuid
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, insert

from argus.billing.usage import change_storage, move_storage
from argus.platform.app import create_app, services_of_app
from argus.platform.core.db import utcnow
from argus.platform.core.keys import general_queue, live_prefix
from argus.platform.core.settings import MetricsSettings
from argus.platform.ingest.models import IngestNode
from argus.platform.observability.snapshot import NAMES as SNAPSHOT_NAMES
from argus.platform.observability.tenant_calls import api_calls_key
from argus.tenants.models import Tenant, TenantDomain
from tests.integration.conftest import bearer, login


def _samples(text: str, name: str) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == name}


async def test_requests_are_counted_by_route_template_and_metrics_are_not_public(
        control, tenant_a):
    settings = dataclasses.replace(control, metrics=MetricsSettings(allow=("10.40.0.0/16",),
                                                                    tenant_series=0))
    app = create_app(settings)

    def client(ip: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 1)),
                                 base_url="http://testserver.local")

    try:
        office, outsider = client("10.40.1.2"), client("203.0.113.9")
        refused = await outsider.get("/metrics")
        assert refused.status_code == 403 and refused.json()["code"] == "metrics_not_allowed"
        # The loopback default no longer applies once the list is set.
        assert (await client("127.0.0.1").get("/metrics")).status_code == 403

        before = _samples((await office.get("/metrics")).text, "argus_http_requests_total")
        token = (await login(office, tenant_a))["access_token"]
        missing = str(uuid.uuid4())
        for _ in range(3):
            assert (await office.get("/api/v1/cameras", headers=bearer(tenant_a, token))
                    ).status_code == 200
        assert (await office.get(f"/api/v1/cameras/{missing}", headers=bearer(tenant_a, token))
                ).status_code == 404
        scraped = await office.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        after = _samples(scraped.text, "argus_http_requests_total")

        def grew(route: str, status: str) -> float:
            key = (("method", "GET"), ("route", route), ("status", status))
            return after.get(key, 0) - before.get(key, 0)

        assert grew("/api/v1/cameras", "200") == 3
        assert grew("/api/v1/cameras/{camera_id}", "404") == 1  # its status, not a 500
        assert missing not in scraped.text  # a raw path never becomes a label
        # With the per-tenant family off, no series names a tenant.
        assert tenant_a.slug not in scraped.text and tenant_a.id not in scraped.text
        assert 'tenant="' not in scraped.text
        durations = _samples(scraped.text, "argus_http_request_duration_seconds_count")
        assert durations[(("method", "GET"), ("route", "/api/v1/cameras"))] >= 3
        assert re.search(r'argus_http_requests_total\{method="POST",'
                         r'route="/api/v1/auth/login",status="200"\}', scraped.text)
    finally:
        await services_of_app(app).close()


def _families(text: str) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


async def _scrape(app) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)),
                                 base_url="http://testserver.local") as c:
        response = await c.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


BUDGET = 1000  # series of the deployment-wide families with 1,000 tenants (stated in README)


async def test_the_per_tenant_family_stays_within_its_budget_with_1000_tenants(
        control, services):
    """1,000 tenants (control rows only: the family reads nothing else), each with storage, a
    live camera and API calls: every per-tenant family shows the N largest plus ``_other``,
    and the deployment-wide series stay under the budget."""
    n = 20
    schema = control.database.control_schema
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    slugs = [f"zc{i:04d}{uuid.uuid4().hex[:6]}" for i in range(1000)]
    node = f"card-{uuid.uuid4().hex[:8]}"
    live_key = f"{live_prefix(schema)}:node-live:{node}"
    async with services.dbs.control_session() as session:
        await session.execute(insert(Tenant), [
            {"id": t, "slug": s, "name": s, "state": "suspended", "plan": "starter",
             "db_cluster": "main", "schema": f"argus_t_{s}", "bucket": f"b-{s}",
             "storage_bytes": (i + 1) * 1000, "created_at": utcnow(), "updated_at": utcnow()}
            for i, (t, s) in enumerate(zip(ids, slugs, strict=True))])
        session.add(IngestNode(id=node, rtmp_url="rtmp://x", hls_url="http://x", capacity=10,
                               state="draining", secret_hash="x"))
        await session.commit()
    await services.redis.hset(live_key, mapping={
        f"{s}__{uuid.uuid4()}": t for t, s in zip(ids, slugs, strict=True)})
    await services.redis.hset(api_calls_key(schema), mapping={t: i + 1
                                                              for i, t in enumerate(ids)})
    settings = dataclasses.replace(control, metrics=MetricsSettings(tenant_series=n))
    app = create_app(settings)
    try:
        text = await _scrape(app)
        families = _families(text)
        for name in ("argus_tenant_cameras_online", "argus_tenant_storage_bytes"):
            tenants = [s.labels["tenant"] for s in families[name]]
            assert len(tenants) == n + 1 and tenants[-1] == "_other", name
        storage = {s.labels["tenant"]: s.value for s in families["argus_tenant_storage_bytes"]}
        assert storage[slugs[-1]] == 1000 * 1000  # the largest first
        assert storage["_other"] >= sum((i + 1) * 1000 for i in range(1000 - n))
        calls = {s.labels["tenant"]: s.value for s in families["argus_tenant_api_calls"]
                 if s.name == "argus_tenant_api_calls_total"}
        assert len(calls) == n and calls[slugs[-1]] == 1000
        online = {s.labels["node"]: s.value for s in families["argus_cameras_online"]}
        assert online[node] == 1000
        tenant_states = {s.labels["state"]: s.value for s in families["argus_tenants"]}
        assert tenant_states["suspended"] >= 1000
        snapshot = [s for f in text_string_to_metric_families(text)
                    if f.name in SNAPSHOT_NAMES for s in f.samples]
        assert len(snapshot) < BUDGET, len(snapshot)
        # Every name the snapshot lists is in the scrape, and no other series names a tenant
        # (the request series are bounded by the routes, whatever the number of tenants).
        assert SNAPSHOT_NAMES <= set(families), sorted(SNAPSHOT_NAMES - set(families))
        tenant_lines = [line for line in text.splitlines() if 'tenant="' in line]
        assert all(line.startswith("argus_tenant_") for line in tenant_lines)
        assert len(tenant_lines) <= 3 * (n + 1)
        # Off: no series names a tenant, however many there are.
        off = create_app(dataclasses.replace(control, metrics=MetricsSettings(tenant_series=0)))
        try:
            quiet = await _scrape(off)
            assert 'tenant="' not in quiet and "argus_tenant_storage_bytes" not in quiet
        finally:
            await services_of_app(off).close()
    finally:
        await services_of_app(app).close()
        await services.redis.delete(live_key, api_calls_key(schema))
        async with services.dbs.control_session() as session:
            await session.execute(delete(Tenant).where(Tenant.id.in_(ids)))
            await session.execute(delete(IngestNode).where(IngestNode.id == node))
            await session.commit()


async def test_queues_clip_exports_storage_tiers_and_domains_are_read_at_scrape_time(
        control, services, tenant_a):
    schema = control.database.control_schema
    app = create_app(dataclasses.replace(control, metrics=MetricsSettings(tenant_series=5)))
    queue = general_queue(schema)
    members = {f"clip:{uuid.uuid4()}": 1.0, f"other:{uuid.uuid4()}": 2.0}
    try:
        before = _families(await _scrape(app))
        base = {s.labels["queue"]: s.value for s in before["argus_queue_jobs"]}.get("general", 0)
        tiers = {s.labels["tier"]: s.value for s in before["argus_storage_bytes"]}
        await services.redis.zadd(queue, members)
        async with services.dbs.control_session() as session:
            await change_storage(session, tenant_a.id, 5000, "hot")
            await move_storage(session, tenant_a.id, 2000, "hot", "warm")
            await change_storage(session, tenant_a.id, 700, "clip")
            session.add(TenantDomain(domain=f"{uuid.uuid4().hex[:8]}.example", state="pending",
                                     tenant_id=tenant_a.id, source="tenant",
                                     created_at=utcnow() - timedelta(hours=2)))
            await session.commit()
        services_of_app(app).snapshot._cached = None  # the next scrape reads again
        after = _families(await _scrape(app))
        depth = {s.labels["queue"]: s.value for s in after["argus_queue_jobs"]}
        assert depth["general"] == base + 2
        oldest = {s.labels["queue"]: s.value
                  for s in after["argus_queue_oldest_job_age_seconds"]}
        assert oldest["general"] > 1_000_000  # scores of 1 ms and 2 ms after the epoch
        assert after["argus_clip_exports_queued"][0].value >= 1
        grown = {s.labels["tier"]: s.value - tiers.get(s.labels["tier"], 0)
                 for s in after["argus_storage_bytes"]}
        assert grown["hot"] == 3000 and grown["warm"] == 2000 and grown["clip"] == 700
        stored = {s.labels["tenant"]: s.value for s in after["argus_tenant_storage_bytes"]}
        assert stored.get(tenant_a.slug) == 5700 or stored.get("_other", 0) >= 5700
        assert after["argus_domains"] and after["argus_domain_pending_oldest_seconds"][0].value \
            >= 7000
    finally:
        await services.redis.zrem(queue, *members)
        await services_of_app(app).close()


async def test_an_unreachable_redis_shows_as_a_dependency_down_not_a_failed_scrape(control):
    """What /readyz checks feeds argus_dependency_up; the scrape still answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nobody listens here once the socket is closed
    broken = dataclasses.replace(control, redis=dataclasses.replace(
        control.redis, url=f"redis://127.0.0.1:{closed}/0"))
    app = create_app(broken)
    try:
        families = _families(await _scrape(app))
        up = {s.labels["dependency"]: s.value for s in families["argus_dependency_up"]}
        assert up == {"database": 1, "redis": 0}
        assert families["argus_snapshot_up"][0].value == 0
        assert "argus_tenants" not in families
    finally:
        await services_of_app(app).close()
