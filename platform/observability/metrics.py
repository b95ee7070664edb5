"""``GET /metrics`` of the control plane: the process's own series (``series``) and the
deployment-wide ones read at scrape time (``snapshot``).

Request series carry the route template (``/api/v1/cameras/{camera_id}``), never the raw
path, and no tenant or camera label, so their number is bounded by the routes. ``/metrics``
answers only callers inside ``ARGUS_METRICS_ALLOW`` (default: loopback); anyone else gets a
403.

Several server processes (``argus serve --workers N``): ``serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a directory it empties before the workers start, and a scrape
adds up every process's files with prometheus-client's multiprocess collector. Counters of a
worker that died stay counted (they happened); its live gauges (requests in flight) are
dropped by the next scrape, which calls ``mark_process_dead`` for every pid in the directory
that no longer runs. uvicorn's supervisor has no hook for a dead child, but it restarts the
child under a new pid in the same pid namespace, so "is the pid alive" is the same question
gunicorn's ``child_exit`` answers, asked later (at most one scrape interval).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

from argus.platform.core.di import Provided
from argus.platform.core.errors import Forbidden
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.netaddr import Network
from argus.platform.observability.series import HTTP_DURATION, HTTP_REQUESTS
from argus.platform.observability.snapshot import Snapshot

UNMATCHED = "(unmatched)"  # requests no route took (404s of invented paths)
_PROCESS_FILE = re.compile(r"^[a-z_]+_(\d+)\.db$")


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route, method).observe(seconds)


def prepare_multiprocess_dir(path: Path) -> None:
    """Empty (or create) the directory several server processes share, before they start."""
    path.mkdir(parents=True, exist_ok=True)
    for leftover in path.glob("*.db"):
        leftover.unlink(missing_ok=True)


def _forget_dead_processes(path: Path) -> None:
    pids = {int(m[1]) for f in path.iterdir() if (m := _PROCESS_FILE.match(f.name))}
    for pid in pids - {os.getpid()}:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, someone else's


class _Families:
    """Already-read families as a collector (what ``generate_latest`` takes)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def scrape(extra: Iterable[Metric] = ()) -> bytes:
    """This process group's series, then ``extra`` (families read at scrape time)."""
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if shared:
        _forget_dead_processes(Path(shared))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    more = CollectorRegistry(auto_describe=False)
    more.register(_Families(extra))  # type: ignore[arg-type]
    return own + generate_latest(more)


def allowed(caller: str | None, allow: tuple[Network, ...]) -> bool:
    return caller is not None and any(ip_address(caller) in net for net in allow)


def metrics_controller(allow: tuple[Network, ...]) -> type[Controller]:
    """The ``/metrics`` route for these networks (the app factory mounts it)."""

    class MetricsController(Controller):
        path = "/metrics"
        include_in_schema = False

        @get("/")
        async def metrics(self, request: Request[Any, Any, Any],
                          snapshot: Provided[Snapshot]) -> Response[bytes]:
            if not allowed(scope_client_ip(request.scope), allow):
                raise Forbidden("metrics are not served to your address",
                                code="metrics_not_allowed")
            return Response(scrape(await snapshot.families()), media_type=CONTENT_TYPE_LATEST,
                            headers={"Cache-Control": "no-store"})

    return MetricsController
