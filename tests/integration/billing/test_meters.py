"""Meters. Stream sessions and ``camera_minutes``: a session opens when the internal stream
starts and closes (metered once, per UTC day) when it ends, however often nginx or a sweep
says so; the drain moves it into the ledger exactly once. ``cameras_billable``: each enabled
camera once per UTC day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from argus.billing.ledger import UsageEvent, UsageOutbox, drain_outbox
from argus.billing.pricing import GB
from argus.billing.sessions import StreamSession, split_by_day
from argus.billing.snapshots import hour_key, snapshot_storage
from argus.billing.usage import change_storage, move_storage
from argus.platform.billing.jobs import meter_billable_cameras
from argus.platform.core.db import utcnow
from argus.platform.ingest.jobs import reconcile_nodes
from argus.platform.ingest.models import IngestNode
from argus.platform.services import CTX_KEY
from tests.integration.conftest import bearer, login
from tests.integration.ingest.test_publish_callbacks import _call


def test_a_session_is_cut_at_utc_midnights():
    start = datetime(2026, 11, 30, 23, 58, tzinfo=UTC)
    assert split_by_day(start, start + timedelta(minutes=5)) == [
        (start.date(), 120.0), (datetime(2026, 12, 1).date(), 180.0)]
    assert split_by_day(start, start) == []


async def test_a_live_stream_is_metered_once_in_camera_minutes(client_for, tenant_a, node,
                                                               services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                json={"name": "Metered"})).json()["camera"]
    name = f"{tenant_a.slug}__{camera['id']}"
    start = f"app=internal&addr=127.0.0.1&call=publish&name={name}&type=live"
    done = f"app=internal&addr=127.0.0.1&call=publish_done&name={name}"
    for _ in range(2):  # a repeated start keeps the one session
        assert (await _call(client, node, "internal_publish", start)).status_code == 200
    async with services.dbs.tenant_session(tenant_a) as session:
        (row,) = (await session.scalars(select(StreamSession))).all()
        assert row.ended_at is None and row.node_id == node[0]
        # It has been live for 5 minutes.
        await session.execute(update(StreamSession).values(
            started_at=row.started_at - timedelta(minutes=5)))
        await session.commit()
    for _ in range(2):  # a repeated end meters nothing more
        assert (await _call(client, node, "internal_publish_done", done)).status_code == 200
    async with services.dbs.tenant_session(tenant_a) as session:
        outbox = list(await session.scalars(select(UsageOutbox).where(
            UsageOutbox.meter == "camera_minutes")))
    assert sum(o.seconds for o in outbox) / 60 == pytest.approx(5, abs=0.1)

    await drain_outbox(services.dbs, tenant_a)
    await drain_outbox(services.dbs, tenant_a)  # a second drain finds nothing new
    async with services.dbs.control_session() as control:
        events = list(await control.scalars(select(UsageEvent).where(
            UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "camera_minutes")))
    assert len(events) == len(outbox) and sum(e.seconds for e in events) / 60 == \
        pytest.approx(5, abs=0.1)


async def test_a_dead_nodes_sessions_are_closed_by_the_sweep(client_for, tenant_a, node,
                                                             services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                json={"name": "Orphan"})).json()["camera"]
    name = f"{tenant_a.slug}__{camera['id']}"
    assert (await _call(client, node, "internal_publish",
                        f"app=internal&addr=127.0.0.1&call=publish&name={name}&type=live")
            ).status_code == 200
    async with services.dbs.control_session() as session:  # the node stops heartbeating
        await session.execute(update(IngestNode).where(IngestNode.id == node[0]).values(
            last_heartbeat_at=utcnow() - timedelta(minutes=5)))
        await session.commit()
    await reconcile_nodes({CTX_KEY: services})
    async with services.dbs.tenant_session(tenant_a) as session:
        (row,) = (await session.scalars(select(StreamSession).where(
            StreamSession.camera_id == camera["id"]))).all()
        assert row.ended_at is not None
        keys = list(await session.scalars(select(UsageOutbox.idempotency_key).where(
            UsageOutbox.meter == "camera_minutes")))
    assert keys and all(k.startswith(row.id) for k in keys)


async def test_each_enabled_camera_is_billable_once_a_day(client_for, tenant_a, services):
    client = client_for()
    headers = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    on = (await client.post("/api/v1/cameras", headers=headers,
                            json={"name": "On"})).json()["camera"]["id"]
    off = (await client.post("/api/v1/cameras", headers=headers,
                             json={"name": "Off", "enabled": False})).json()["camera"]["id"]
    ctx = {CTX_KEY: services}
    for _ in range(2):  # the cron, twice, before and after a drain
        assert await meter_billable_cameras(ctx) >= 1
        await drain_outbox(services.dbs, tenant_a)

    async def billable() -> set[str]:
        async with services.dbs.control_session() as control:
            return set(await control.scalars(select(UsageEvent.idempotency_key).where(
                UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "cameras_billable",
                UsageEvent.day == utcnow().date())))

    day = utcnow().date().isoformat()
    assert await billable() == {f"{on}:{day}"}
    await client.patch(f"/api/v1/cameras/{off}", headers=headers, json={"enabled": True})
    await drain_outbox(services.dbs, tenant_a)
    assert await billable() == {f"{on}:{day}", f"{off}:{day}"}


async def test_storage_is_snapshotted_once_an_hour_and_missed_hours_are_filled(
        tenant_a, services):
    async with services.dbs.control_session() as control:
        await change_storage(control, tenant_a.id, 2 * GB, "hot")
        await move_storage(control, tenant_a.id, GB // 2, "hot", "cold")
        await control.commit()
    at = utcnow().replace(minute=30) + timedelta(days=3)  # later than any other test's hours
    await snapshot_storage(services.dbs, at)
    await snapshot_storage(services.dbs, at + timedelta(minutes=20))  # the same hour again

    async def mine() -> dict[str, int]:
        async with services.dbs.control_session() as control:
            return dict((await control.execute(select(
                UsageEvent.idempotency_key, UsageEvent.bytes).where(
                UsageEvent.tenant_id == tenant_a.id,
                UsageEvent.meter == "stored_byte_hours"))).all())

    hour = at.replace(minute=0, second=0, microsecond=0)
    got = await mine()
    assert got[hour_key("hot", hour)] == int(1.5 * GB)
    assert got[hour_key("cold", hour)] == GB // 2
    await snapshot_storage(services.dbs, at + timedelta(hours=3))  # the worker was away 2 h
    got = await mine()
    for h in range(1, 4):
        assert got[hour_key("hot", hour + timedelta(hours=h))] == int(1.5 * GB)


async def test_hls_egress_is_metered_once_from_the_access_log_through_a_crash(
        tenant_a, services, tmp_path):
    from argus.platform.ingest.egress import EgressMeter

    camera = "0b0e6c5e-2f6b-4d7e-9a55-5d2a5f0d9c11"
    stream = f"{tenant_a.slug}__{camera}"
    node_id = f"ztegress{utcnow():%H%M%S%f}"
    log_file = tmp_path / "egress.log"
    now = utcnow().timestamp()

    def append(*sizes: int, status: int = 200) -> None:
        with log_file.open("a") as f:
            for size in sizes:
                f.write(f"{now:.3f} {stream} {size} {status}\n")
            f.write(f"{now:.3f} nobody__{camera} 999 200\n")  # an unknown tenant: skipped

    async def tenant_of(slug):
        return await services.stream_status.tenant(slug=slug)

    meter = EgressMeter(services.dbs, services.redis, services.settings.database.control_schema,
                        node_id, log_file, tenant_of)

    async def ledger() -> list[UsageEvent]:
        await drain_outbox(services.dbs, tenant_a)
        async with services.dbs.control_session() as control:
            return list(await control.scalars(select(UsageEvent).where(
                UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "egress_bytes")))

    assert await meter.tick() == 0  # no log yet
    append(1000, 2000)
    with log_file.open("a") as f:
        f.write(f"{now:.3f} {stream} 5")  # a line nginx is still writing: not yet
    assert await meter.tick() == 3000
    first = await ledger()
    assert sum(e.bytes for e in first) == 3000 and len(first) == 1
    with log_file.open("a") as f:
        f.write("00 200\n")  # the line is whole now: 500 bytes
    assert await meter.tick() == 500

    # The agent dies after metering a chunk but before moving its offset: the pending chunk
    # is redone with the same bounds and keys, and adds nothing.
    key = meter.key
    offset = int(await services.redis.hget(key, "offset"))
    inode = int(await services.redis.hget(key, "inode"))
    await services.redis.hset(key, mapping={"pending_inode": inode, "pending_start": 0,
                                            "pending_end": offset, "offset": 0})
    append(7)
    await meter.tick()  # the redo
    assert sum(e.bytes for e in await ledger()) == 3500
    assert await meter.tick() == 7  # then what was appended, once
    assert sum(e.bytes for e in await ledger()) == 3507

    # A rotated log (a new file) is read from its start.
    log_file.rename(tmp_path / "egress.log.1")
    append(40)
    assert await meter.tick() == 40
    events = await ledger()
    assert sum(e.bytes for e in events) == 3547
    assert all(e.idempotency_key.startswith(f"{node_id}:") for e in events)
    await services.redis.delete(key)


async def test_api_calls_are_metered_per_caller_once_their_window_closes(client_for, tenant_a,
                                                                         services):
    import time

    from argus.billing.api_calls import SETTLE, harvest_api_calls

    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    for _ in range(7):
        assert (await client.get("/api/v1/me", headers=bearer(tenant_a, admin))
                ).status_code == 200
    await asyncio.sleep(0.3)  # the batched counter's flush (mirrored mode)
    settings = services.settings
    window = settings.auth.api_rate_window

    async def harvest(now: float) -> int:
        return await harvest_api_calls(services.dbs, services.redis,
                                       settings.database.control_schema, window, now=now)

    async def calls() -> list[UsageEvent]:
        async with services.dbs.control_session() as control:
            return list(await control.scalars(select(UsageEvent).where(
                UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "api_calls")))

    await harvest(time.time() - 2 * window)  # nothing of ours has closed then
    assert await calls() == []
    later = time.time() + window + SETTLE + 1
    assert await harvest(later) >= 7
    rows = await calls()
    assert sum(r.seconds for r in rows) == 7 and all(r.idempotency_key.startswith("user:")
                                                    for r in rows)
    await harvest(later)  # counters are gone; nothing twice
    assert sum(r.seconds for r in await calls()) == 7
