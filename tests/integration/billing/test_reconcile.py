"""Reconciliation: the meters recomputed from stream sessions, recordings and clips match the
ledger key by key; a lost event shows as drift (and the command exits 1), a deleted
recording's event does not."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from argus.billing.ledger import UsageEvent, drain_outbox, record_usage
from argus.billing.sessions import StreamSession, close_sessions
from argus.platform.billing.reconcile import reconcile_tenant
from argus.platform.cli.commands import billing_reconcile
from argus.platform.recordings.models import Recording

START = datetime(2026, 11, 30, 23, 50, tzinfo=UTC)  # a session over the month's end


async def test_meters_match_their_facts_and_a_lost_event_is_drift(services, tenant_a,
                                                                  monkeypatch, capsys):
    camera = str(uuid.uuid4())
    sources = [f"rec-{uuid.uuid4()}" for _ in range(2)]
    async with services.dbs.tenant_session(tenant_a) as session:
        session.add(StreamSession(id=str(uuid.uuid4()), camera_id=camera, node_id="n1",
                                  started_at=START - timedelta(hours=2)))
        await session.flush()
        await close_sessions(session, camera, START + timedelta(minutes=30))
        for i, source in enumerate(sources):
            at = START - timedelta(hours=1, minutes=i)
            session.add(Recording(camera_id=camera, started_at=at, ended_at=at +
                                  timedelta(minutes=1), duration_s=60.0, size_bytes=1000 + i,
                                  object_key=f"recordings/{source}.mp4", source=source))
            record_usage(session, "recording", source, at.date(), 60.0, 1000 + i)
        await session.commit()
    await drain_outbox(services.dbs, tenant_a)

    rows = {r["meter"]: r for r in await reconcile_tenant(services.dbs, tenant_a, "2026-11")}
    assert not any(r["drift"] for r in rows.values()), rows
    assert rows["camera_minutes"]["expected_seconds"] == 7800  # 21:50 .. midnight
    assert rows["recording"]["metered_bytes"] == 2001
    december = {r["meter"]: r for r in await reconcile_tenant(services.dbs, tenant_a,
                                                              "2026-12")}
    assert december["camera_minutes"]["expected_seconds"] == 1200  # .. 00:20
    assert not december["camera_minutes"]["drift"]

    # A recording deleted since: its event is "gone", not drift.
    async with services.dbs.tenant_session(tenant_a) as session:
        await session.execute(delete(Recording).where(Recording.source == sources[1]))
        await session.commit()
    rows = {r["meter"]: r for r in await reconcile_tenant(services.dbs, tenant_a, "2026-11")}
    assert rows["recording"]["gone"] == 1 and not rows["recording"]["drift"]

    # A lost ledger event is drift, and the command says so with exit status 1.
    async with services.dbs.control_session() as control:
        await control.execute(delete(UsageEvent).where(
            UsageEvent.tenant_id == tenant_a.id, UsageEvent.meter == "recording",
            UsageEvent.idempotency_key == sources[0]))
        await control.commit()
    rows = {r["meter"]: r for r in await reconcile_tenant(services.dbs, tenant_a, "2026-11")}
    assert rows["recording"]["missing"] == 1 and rows["recording"]["examples"] == [sources[0]]
    monkeypatch.setattr("argus.platform.cli.commands._settings", lambda: services.settings)
    status = await billing_reconcile(argparse.Namespace(period="2026-11", tenant=tenant_a.slug,
                                                        json=False))
    out = capsys.readouterr().out
    assert status == 1 and "DRIFT" in out and tenant_a.slug in out
