"""``/internal/rtmp/*``: nginx-rtmp's callbacks, callable only with a node's secret."""

from __future__ import annotations

import time

from litestar import Controller, Request, Response, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from argus.platform.core.errors import Forbidden
from argus.platform.identity.tokens import same_digest
from argus.platform.ingest.callbacks import Callbacks, parse_callback
from argus.platform.ingest.models import IngestNode

NODE_CACHE_SECONDS = 30


async def node_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The callback URL carries ``node`` and ``secret``; cache verified nodes briefly."""
    node_id = connection.query_params.get("node", "")
    secret = connection.query_params.get("secret", "")
    state = connection.app.state
    cache: dict = state.setdefault("ingest_nodes", {})  # (node, secret) -> verified at
    verified = cache.get((node_id, secret))
    if verified is None or time.monotonic() - verified > NODE_CACHE_SECONDS:
        async with state.dbs.control_session() as session:
            node = await session.get(IngestNode, node_id) if node_id else None
        if node is None or not secret or not same_digest(node.secret_hash, secret):
            raise Forbidden("not a registered ingest node", code="bad_node")
        cache[(node_id, secret)] = time.monotonic()
    connection.scope["argus_node"] = node_id  # type: ignore[typeddict-unknown-key]


def _callbacks(request: Request) -> Callbacks:
    return Callbacks(request.app.state)


class RtmpCallbackController(Controller):
    path = "/internal/rtmp"
    guards = [node_guard]
    include_in_schema = False

    @post("/publish", status_code=200)
    async def publish(self, request: Request) -> Response:
        fields = parse_callback(await request.body())
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        admitted = await _callbacks(request).publish(fields, node_id,
                                                     request.query_params.get("secret", ""))
        if admitted.name == fields.get("name"):  # an RTSP relay, already under its name
            return Response(None, status_code=200)
        return Response(None, status_code=302, headers={"Location": admitted.name})

    @post("/internal_publish", status_code=200)
    async def internal_publish(self, request: Request) -> None:
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        await _callbacks(request).went_live(parse_callback(await request.body()), node_id)

    @post("/internal_publish_done", status_code=200)
    async def internal_publish_done(self, request: Request) -> None:
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        await _callbacks(request).went_down(parse_callback(await request.body()), node_id)

    @post("/publish_done", status_code=200)
    async def publish_done(self) -> None:
        """The live application's end carries the stream key: nothing to do, nothing to log."""

    @post("/update", status_code=200)
    async def update(self) -> None:
        """Periodic while a stream runs; live facts and heartbeats come with the node agent."""

    @post("/record_done", status_code=200)
    async def record_done(self, request: Request) -> None:
        """A chunk is closed: its node finalizes it (the body also carries the key: not logged)."""
        node_id = request.scope["argus_node"]  # type: ignore[typeddict-item]
        await _callbacks(request).chunk_closed(parse_callback(await request.body()), node_id)
