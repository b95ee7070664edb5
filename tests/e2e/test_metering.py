"""Metering end to end: a synthetic camera streams through real nginx-rtmp while the general
worker (the metering drain) is SIGKILLed and restarted and the node agent restarts once; the
ledger holds each stream session's camera-minutes exactly once, within a minute of the time
the camera was live. (The issue's figure is 5 minutes of streaming; the suite streams 80 s
to stay short: the mechanism measured is the same.)"""

from __future__ import annotations

import asyncio
import signal
import time

from sqlalchemy import select

from argus.billing.ledger import UsageEvent
from argus.billing.sessions import StreamSession
from tests.e2e.stack import GRACE, stop
from tests.integration.conftest import bearer, login

HALF = 40  # seconds of streaming before and after the node agent's restart


async def test_camera_minutes_are_metered_once_through_crashes(stack, client_for, tenant_a,
                                                               services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    body = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                              json={"name": "Metered"})).json()
    camera_id, key = body["camera"]["id"], body["ingest"]["stream_key"]

    live = 0.0
    publisher = stack.publish(key, name="first")
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=15)
    started = time.monotonic()
    await asyncio.sleep(HALF / 2)
    stack.procs["worker"].send_signal(signal.SIGKILL)  # the metering worker dies mid-way
    stack.procs["worker"].wait(10)
    stack.start_worker()
    await asyncio.sleep(HALF / 2)
    stop(stack.procs["node"])  # the node agent (and its nginx) restarts
    live += time.monotonic() - started
    stop(publisher)  # the camera loses its connection with the node (nginx drains gracefully)
    stack.start_node()
    publisher = stack.publish(key, name="second")
    stack.wait_status(tenant_a, admin, camera_id, "online", timeout=30)
    started = time.monotonic()
    await asyncio.sleep(HALF)
    stop(publisher)
    live += time.monotonic() - started
    stack.wait_status(tenant_a, admin, camera_id, "offline", timeout=GRACE + 15)

    async def sessions() -> list[StreamSession]:
        async with services.dbs.tenant_session(tenant_a) as session:
            return list(await session.scalars(select(StreamSession).where(
                StreamSession.camera_id == camera_id)))

    async def metered() -> list[UsageEvent]:
        async with services.dbs.control_session() as control:
            return list(await control.scalars(select(UsageEvent).where(
                UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "camera_minutes")))

    for _ in range(100):  # the restarted worker's drain runs every minute
        rows, events = await sessions(), await metered()
        if rows and all(r.ended_at for r in rows) and len(events) >= len(rows):
            break
        await asyncio.sleep(1)
    rows, events = await sessions(), await metered()
    assert len(rows) == 2 and all(r.ended_at for r in rows), rows  # one per publish
    assert {e.idempotency_key.split(":")[0] for e in events} == {r.id for r in rows}
    session_seconds = sum((r.ended_at - r.started_at).total_seconds() for r in rows)
    ledger_seconds = sum(e.seconds for e in events)
    assert abs(ledger_seconds - session_seconds) < 0.01  # each session exactly once
    assert abs(ledger_seconds / 60 - live / 60) <= 1, (ledger_seconds, live)
