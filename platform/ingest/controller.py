"""``/internal/rtmp/*``: nginx-rtmp's callbacks, callable only with a node's secret (the app
factory puts ``node_guard(dbs)`` on the router that mounts this controller). The work is
``StreamStatus``'s; the handlers only decode nginx's form bodies, and count: every publish
answered (``argus_publishes_total`` by result and refusal code) and every callback's time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Controller, Request, Response, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from argus.platform.core.db import Databases
from argus.platform.core.di import Provided
from argus.platform.core.errors import ArgusError, Forbidden
from argus.platform.identity.tokens import same_digest
from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.service import StreamStatus, parse_callback
from argus.platform.observability.series import CALLBACK_DURATION, PUBLISHES

NODE_CACHE_SECONDS = 30


PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def node_guard(dbs: Databases) -> Guard:
    """The callback URL carries ``node`` and ``secret``; verified nodes are cached briefly.

    nginx-rtmp calls a replica directly and never sends a proxy header; a callback that has one
    came through a proxy — the public ingress — and is refused whatever it carries (so the
    callbacks are not reachable from the internet even with a leaked node secret; the
    Kubernetes NetworkPolicies let only ingest pods reach the replicas directly)."""
    cache: dict[tuple[str, str], float] = {}  # (node, secret) -> verified at

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if any(header in connection.headers for header in PROXY_HEADERS):
            raise Forbidden("callbacks are taken from ingest nodes directly, not through a "
                            "proxy", code="proxied_callback")
        node_id = connection.query_params.get("node", "")
        secret = connection.query_params.get("secret", "")
        verified = cache.get((node_id, secret))
        if verified is None or time.monotonic() - verified > NODE_CACHE_SECONDS:
            async with dbs.control_session() as session:
                node = await session.get(IngestNode, node_id) if node_id else None
            if node is None or not secret or not same_digest(node.secret_hash, secret):
                raise Forbidden("not a registered ingest node", code="bad_node")
            if len(cache) > 10_000:
                cache.clear()
            cache[(node_id, secret)] = time.monotonic()
        connection.scope["argus_node"] = node_id  # type: ignore[typeddict-unknown-key]

    return guard


Status = Provided[StreamStatus]


@contextmanager
def _timed(callback: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        CALLBACK_DURATION.labels(callback).observe(time.perf_counter() - started)


class RtmpCallbackController(Controller):
    path = "/internal/rtmp"
    include_in_schema = False

    @post("/publish", status_code=200)
    async def publish(self, request: Request, stream_status: Status) -> Response:
        with _timed("publish"):
            try:
                fields = parse_callback(await request.body())
                node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
                admitted = await stream_status.publish(fields, node_id,
                                                       request.query_params.get("secret", ""))
            except ArgusError as exc:
                PUBLISHES.labels("refused", exc.code).inc()
                raise
            PUBLISHES.labels("accepted", "").inc()
        if admitted.name == fields.get("name"):  # an RTSP relay, already under its name
            return Response(None, status_code=200)
        return Response(None, status_code=302, headers={"Location": admitted.name})

    @post("/internal_publish", status_code=200)
    async def internal_publish(self, request: Request, stream_status: Status) -> None:
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        with _timed("internal_publish"):
            await stream_status.stream_started(parse_callback(await request.body()), node_id)

    @post("/internal_publish_done", status_code=200)
    async def internal_publish_done(self, request: Request, stream_status: Status) -> None:
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        with _timed("internal_publish_done"):
            await stream_status.stream_ended(parse_callback(await request.body()), node_id)

    @post("/publish_done", status_code=200)
    async def publish_done(self) -> None:
        """The live application's end carries the stream key: nothing to do, nothing to log."""

    @post("/update", status_code=200)
    async def update(self) -> None:
        """Periodic while a stream runs; live facts and heartbeats come with the node agent."""

    @post("/record_done", status_code=200)
    async def record_done(self, request: Request, stream_status: Status) -> None:
        """A chunk is closed: its node finalizes it (the body also carries the key: not logged)."""
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        with _timed("record_done"):
            await stream_status.chunk_closed(parse_callback(await request.body()), node_id)
