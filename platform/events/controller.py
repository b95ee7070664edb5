"""``GET /api/v1/events`` (WebSocket): the tenant's live events, across every replica.

Events are published on the Redis channel ``argus:<control schema>:events:<tenant id>`` by
whichever process sees them (the ingest callbacks today). Each socket subscribes to its own
tenant's channel only. By default a client gets every event of its tenant; it may narrow that
with ``{"type": "join", "cameraIds": [...]}`` and widen it again with ``{"type": "join",
"all": true}``. Events are JSON objects with a ``type`` (``camera-status``, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from argus.platform.core.events import events_channel
from argus.platform.identity.guards import needs
from argus.platform.tenancy.dependencies import request_tenant

MAX_JOINED = 500


@websocket("/events", opt=needs("cameras:read"))
async def events(socket: WebSocket) -> None:
    tenant = await request_tenant(socket.scope)
    state = socket.app.state
    channel = events_channel(state.settings.database.control_schema, tenant.id)
    await socket.accept()
    joined: set[str] | None = None  # None: the whole tenant

    async def forward(pubsub) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                event = json.loads(message["data"])
            except ValueError:
                continue
            # Tenant-wide events (no cameraId: system-alert, dashboard-update) reach everyone.
            if joined is None or "cameraId" not in event or event["cameraId"] in joined:
                await socket.send_json(event)

    async with state.redis.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        await socket.send_json({"type": "subscribed", "tenant": tenant.slug})
        forwarder = asyncio.create_task(forward(pubsub))
        try:
            while True:
                try:
                    request = await socket.receive_json()
                except (WebSocketDisconnect, ValueError):
                    break
                if not isinstance(request, dict) or request.get("type") != "join":
                    await socket.send_json({"type": "error", "detail": "send {type: join}"})
                    continue
                ids = request.get("cameraIds")
                if request.get("all") is True:
                    joined = None
                elif isinstance(ids, list) and len(ids) <= MAX_JOINED and all(
                        isinstance(i, str) for i in ids):
                    joined = set(ids)
                else:
                    await socket.send_json({"type": "error", "field": "cameraIds",
                                            "detail": f"a list of at most {MAX_JOINED} ids"})
                    continue
                await socket.send_json({"type": "joined",
                                        "cameraIds": None if joined is None else sorted(joined)})
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await forwarder
