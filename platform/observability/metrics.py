"""Prometheus metrics of the control plane, and ``GET /metrics`` for the scraper.

Request series carry the route template (``/api/v1/cameras/{camera_id}``), never the raw
path, and no tenant or camera label, so their number is bounded by the routes. ``/metrics``
answers only callers inside ``ARGUS_METRICS_ALLOW`` (default: loopback); anyone else gets a
403. With ``PROMETHEUS_MULTIPROC_DIR`` set (several server processes) the scrape collects every
process's files through prometheus-client's multiprocess collector.
"""

from __future__ import annotations

import os
from ipaddress import ip_address
from typing import Any

from litestar import Controller, Request, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from argus.platform.core.errors import Forbidden
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.netaddr import Network

UNMATCHED = "(unmatched)"  # requests no route took (404s of invented paths)

HTTP_REQUESTS = Counter("argus_http_requests_total", "HTTP requests answered",
                        ["route", "method", "status"])
HTTP_DURATION = Histogram("argus_http_request_duration_seconds",
                          "Time to answer an HTTP request", ["route", "method"],
                          buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route, method).observe(seconds)


def scrape() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_controller(allow: tuple[Network, ...]) -> type[Controller]:
    """The ``/metrics`` route for these networks (the app factory mounts it)."""

    class MetricsController(Controller):
        path = "/metrics"
        include_in_schema = False

        @get("/")
        async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
            caller = scope_client_ip(request.scope)
            if caller is None or not any(ip_address(caller) in net for net in allow):
                raise Forbidden("metrics are not served to your address",
                                code="metrics_not_allowed")
            return Response(scrape(), media_type=CONTENT_TYPE_LATEST,
                            headers={"Cache-Control": "no-store"})

    return MetricsController
