"""``/metrics`` of a process that is not the control plane (a general worker, a node agent):
a small uvicorn server inside the process's own event loop, answering only ``allow``.

The process keeps its own signal handling (uvicorn would otherwise take SIGINT/SIGTERM while
it serves); ``families`` adds series read at scrape time (the node agent's nginx figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric

from argus.platform.core.netaddr import parse_networks
from argus.platform.observability.metrics import allowed, scrape

Families = Callable[[], Awaitable[Iterable[Metric]]]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the worker's or agent's own handlers stay in charge


class MetricsServer:
    def __init__(self, server: _Server, task: asyncio.Task[None]) -> None:
        self.server, self.task = server, task

    def close(self) -> None:
        self.server.should_exit = True

    async def wait_closed(self) -> None:
        self.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


def split_listen(listen: str) -> tuple[str, int]:
    """``9464`` → every address, port 9464; ``127.0.0.1:9464`` → that address."""
    host, sep, port = listen.rpartition(":")
    return (host.strip("[]") if sep and host not in ("", "*") else "0.0.0.0"), int(port)


def metrics_app(allow: tuple[str, ...], families: Families | None = None) -> Any:
    networks = parse_networks(allow)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        client = scope.get("client")
        if not allowed(client[0] if client else None, networks):
            status, kind = 403, "application/json"
            body = json.dumps({"status_code": 403, "code": "metrics_not_allowed",
                               "detail": "metrics are not served to your address"}).encode()
        elif scope["path"] != "/metrics":
            status, kind = 404, "application/json"
            body = json.dumps({"status_code": 404, "code": "not_found",
                               "detail": "only /metrics is served here"}).encode()
        else:
            status, kind = 200, CONTENT_TYPE_LATEST
            body = scrape(await families() if families is not None else ())
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode()),
                                (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

    return app


async def serve_metrics(listen: str, allow: tuple[str, ...],
                        families: Families | None = None) -> MetricsServer:
    """Start serving; returns once the port is bound (a port in use ends the process, as
    uvicorn does)."""
    host, port = split_listen(listen)
    config = uvicorn.Config(metrics_app(allow, families), host=host, port=port, lifespan="off",
                            log_config=None, log_level="warning", access_log=False,
                            proxy_headers=False, server_header=False)
    server = _Server(config)
    task = asyncio.create_task(server.serve(), name="metrics-server")
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():
        task.result()  # raises what stopped it
    return MetricsServer(server, task)
