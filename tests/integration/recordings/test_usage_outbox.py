"""Usage is metered exactly once: the outbox row commits with the recording row, and draining
it into the control schema's ledger survives a crash at every point between the two."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

import argus.billing.ledger as ledger
from argus.billing.jobs import drain_usage
from argus.billing.ledger import UsageEvent, UsageOutbox, drain_outbox
from argus.platform.recordings.finalize import Finalizer
from argus.platform.services import CTX_KEY
from tests.integration.recordings.test_finalize import _usage

STARTED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _row(camera_id: str) -> dict:
    return dict(camera_id=camera_id, started_at=STARTED, ended_at=STARTED, duration_s=60.0,
                size_bytes=5000, video_codec="h264", width=320, height=240,
                object_key=f"recordings/x/{camera_id}.mp4", thumbnail_key=None, checksum=None,
                state="ready")


async def _outbox(services, tenant) -> int:
    async with services.dbs.tenant_session(tenant) as session:
        return await session.scalar(select(func.count()).select_from(UsageOutbox))


async def _ledger(services, tenant) -> int:
    async with services.dbs.control_session() as session:
        return await session.scalar(select(func.count()).select_from(UsageEvent)
                                    .where(UsageEvent.tenant_id == tenant.id))


async def test_inserting_the_same_recording_twice_meters_and_announces_once(services, camera,
                                                                            tmp_path):
    tenant, camera_id = camera
    finalizer = Finalizer(services, services.resolver, tmp_path)
    assert await finalizer._insert(tenant, "piece-1.flv", _row(camera_id)) is not None
    assert await finalizer._insert(tenant, "piece-1.flv", _row(camera_id)) is None
    seconds, size, stored = await _usage(services, tenant.id)
    assert (seconds, size, stored) == (60.0, 5000, 5000)
    assert await _ledger(services, tenant) == 1 and await _outbox(services, tenant) == 0


@pytest.mark.parametrize("crash", ["before_ledger", "after_ledger"])
async def test_a_crash_between_the_recording_and_the_ledger_loses_and_doubles_nothing(
        services, camera, tmp_path, monkeypatch, crash):
    """The process dies right after the recording row committed: before its usage reached
    the ledger, or after the ledger commit but before the outbox row was deleted."""
    tenant, camera_id = camera
    finalizer = Finalizer(services, services.resolver, tmp_path)
    real = ledger._to_ledger

    async def dies(dbs, tenant_id, rows):
        if crash == "after_ledger":
            await real(dbs, tenant_id, rows)
        raise RuntimeError("killed")

    monkeypatch.setattr(ledger, "_to_ledger", dies)
    assert await finalizer._insert(tenant, "piece-2.flv", _row(camera_id)) is not None
    assert await _outbox(services, tenant) == 1  # the fact's usage is kept with the fact
    expected = (60.0, 5000, 5000) if crash == "after_ledger" else (0.0, 0, 0)
    assert await _usage(services, tenant.id) == expected
    monkeypatch.setattr(ledger, "_to_ledger", real)

    await drain_usage({CTX_KEY: services})  # the general worker's sweep
    assert await _usage(services, tenant.id) == (60.0, 5000, 5000)
    assert await _outbox(services, tenant) == 0 and await _ledger(services, tenant) == 1
    assert await drain_outbox(services.dbs, tenant) == 0  # and again: nothing more
    assert await _usage(services, tenant.id) == (60.0, 5000, 5000)
