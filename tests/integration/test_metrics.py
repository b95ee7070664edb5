"""``/metrics``: request series by route template (never a raw path, no tenant label), served
only to ``ARGUS_METRICS_ALLOW`` networks."""

from __future__ import annotations

import dataclasses
import re
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from argus.platform.app import create_app, services_of_app
from argus.platform.core.settings import MetricsSettings
from tests.integration.conftest import bearer, login


def _samples(text: str, name: str) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == name}


async def test_requests_are_counted_by_route_template_and_metrics_are_not_public(
        control, tenant_a):
    settings = dataclasses.replace(control, metrics=MetricsSettings(allow=("10.40.0.0/16",)))
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
        assert tenant_a.slug not in scraped.text and tenant_a.id not in scraped.text
        durations = _samples(scraped.text, "argus_http_request_duration_seconds_count")
        assert durations[(("method", "GET"), ("route", "/api/v1/cameras"))] >= 3
        assert re.search(r'argus_http_requests_total\{method="POST",'
                         r'route="/api/v1/auth/login",status="200"\}', scraped.text)
    finally:
        await services_of_app(app).close()
