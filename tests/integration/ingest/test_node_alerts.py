"""A node's problems reach each tenant only as far as they concern it: an nginx line naming one
tenant's stream goes (without the line) to that tenant alone; node-wide problems go to every
tenant streaming there; the raw line stays on the node row."""

from __future__ import annotations

import asyncio
import json
import uuid

from argus.platform.core.keys import events_channel
from argus.platform.ingest.agent import NodeAgent
from tests.conftest import new_slug


async def _listen(services, tenant_id: str) -> tuple:
    pubsub = services.redis.pubsub()
    await pubsub.subscribe(events_channel(services.settings.database.control_schema, tenant_id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    return pubsub


async def _drain(pubsub) -> list[dict]:
    got = []
    for _ in range(10):
        message = await pubsub.get_message(timeout=0.3)
        if message and message["type"] == "message":
            got.append(json.loads(message["data"]))
    return got


async def test_node_problems_reach_only_the_tenants_they_concern(services, tenant_a, tenant_b,
                                                                 tmp_path):
    node_id = new_slug("node")
    agent = NodeAgent(services, services.stream_status, node_id, tmp_path, "127.0.0.1:1", "nobody")
    camera_a, camera_b = str(uuid.uuid4()), str(uuid.uuid4())
    name_a, name_b = f"{tenant_a.slug}__{camera_a}", f"{tenant_b.slug}__{camera_b}"
    await agent.live.went_live(node_id, tenant_a.id, name_a, camera_a)
    await agent.live.went_live(node_id, tenant_b.id, name_b, camera_b)
    listen_a, listen_b = await _listen(services, tenant_a.id), await _listen(services, tenant_b.id)
    try:
        line = (f"*12 record: {name_a}: failed to open file '/var/rec/{name_a}-1.flv' "
                "(13: Permission denied)")
        await agent._alert([], [line])
        got_a, got_b = await _drain(listen_a), await _drain(listen_b)
        assert got_b == []  # B hears nothing of A's stream
        assert len(got_a) == 1 and got_a[0]["cameraId"] == camera_a
        assert name_a not in json.dumps(got_a) and "Permission" not in json.dumps(got_a)

        await agent._alert(["rec/ is not writable by nginx's user nobody: recordings are "
                            "being lost"], [])
        for listener in (listen_a, listen_b):
            (event,) = await _drain(listener)
            assert event["type"] == "system-alert" and "recordings are being lost" in \
                event["message"] and "cameraId" not in event
    finally:
        for listener in (listen_a, listen_b):
            await listener.aclose()
        await asyncio.sleep(0)
