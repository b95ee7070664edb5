"""Billing at scale: ledger events ingested per second, and the invoice run over many tenants.

1. **Ledger ingestion**, through the real paths: ``--cameras`` cameras over ``--ingest-tenants``
   provisioned tenants, one stream session per camera and day for a 30-day month (their
   ``camera_minutes`` outbox rows written as closing sessions writes them, 1,000 per
   transaction) drained into the ledger by ``drain_outbox``; then the month's hourly storage
   snapshots (``snapshot_storage``, 720 hours × the tenants' tiers).
2. **Invoice run** for ``--tenants`` tenants (control rows only: the run reads nothing else),
   10 % of them moved to another plan mid-month, each with 3 billable cameras a day, its storage
   as one ledger row a day (the run groups storage by day except for tenants whose plan changed,
   which it reads by the hour) and egress a day: ``run_invoices`` timed from scratch (every
   draft created), then again (nothing changed). Target: ≤ 60 s for 10,000 tenants.

Uses its own control schema (``argus_bench_billing``) and tenant schemas, dropped at the end.

    .venv/bin/python bench/billing/run.py [--tenants 10000] [--cameras 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import drop_schemas  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from argus.billing.invoices import Invoice, run_invoices  # noqa: E402
from argus.billing.ledger import (  # noqa: E402
    UsageEvent,
    UsageOutbox,
    UsageRollup,
    add_rollups,
    drain_outbox,
)
from argus.billing.plans import TenantPlanChange  # noqa: E402
from argus.billing.snapshots import snapshot_storage  # noqa: E402
from argus.billing.usage import StorageTier  # noqa: E402
from argus.platform.cli.commands import migrate_control  # noqa: E402
from argus.platform.core.settings import Settings  # noqa: E402
from argus.platform.services import Services  # noqa: E402
from argus.tenants.models import Tenant  # noqa: E402
from argus.tenants.service import TenantSpec  # noqa: E402

CONTROL = "argus_bench_billing"
MONTH = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD = "2026-11"
DAYS = 30
GB = 10**9


async def ingest(services: Services, tenants: int, cameras: int) -> dict[str, float]:
    slugs = [f"bb{i:03d}{uuid.uuid4().hex[:4]}" for i in range(tenants)]
    rows = []
    for slug in slugs:
        rows.append((await services.tenant_service.put(slug, TenantSpec(name=slug)))[0])
    per = cameras // tenants
    written = 0
    start = time.perf_counter()
    for tenant in rows:
        batch = []
        for c in range(per):
            for d in range(DAYS):
                day = (MONTH + timedelta(days=d)).date()
                batch.append({"id": str(uuid.uuid4()), "meter": "camera_minutes",
                              "idempotency_key": f"{uuid.uuid4()}:{day}", "day": day,
                              "seconds": 3600.0 + c, "bytes": 0, "created_at": MONTH})
        async with services.dbs.tenant_session(tenant) as session:
            for i in range(0, len(batch), 1000):
                await session.execute(insert(UsageOutbox), batch[i:i + 1000])
                await session.commit()
        written += len(batch)
    outbox_s = time.perf_counter() - start
    start = time.perf_counter()
    drained = 0
    from argus.tenants.context import TenantContext

    for tenant in rows:
        ctx = TenantContext.from_row(tenant)
        while (new := await drain_outbox(services.dbs, ctx, limit=5000)):
            drained += new
    drain_s = time.perf_counter() - start
    async with services.dbs.control_session() as control:
        for tenant in rows:
            for tier in ("hot", "warm"):
                control.add(StorageTier(tenant_id=tenant.id, tier=tier, bytes=50 * GB))
        await control.commit()
    start = time.perf_counter()
    snapshots = 0
    for h in range(DAYS * 24):
        snapshots += await snapshot_storage(services.dbs, MONTH + timedelta(hours=h, minutes=1))
    snap_s = time.perf_counter() - start
    return {"sessions": written, "outbox_s": outbox_s, "drained": drained, "drain_s": drain_s,
            "snapshots": snapshots, "snapshot_s": snap_s,
            "schemas": [t.schema for t in rows]}  # type: ignore[dict-item]


async def seed_invoices(services: Services, tenants: int) -> float:
    start = time.perf_counter()
    ids = [str(uuid.uuid4()) for _ in range(tenants)]
    now = datetime.now(UTC)
    tenant_rows = [{"id": tid, "slug": f"bi{i:06d}", "name": f"Tenant {i}", "state": "active",
                    "plan": "standard", "db_cluster": "main", "schema": f"argus_bi_{i:06d}",
                    "bucket": f"argus-bi-{i:06d}", "storage_bytes": 0,
                    "created_at": MONTH - timedelta(days=40), "updated_at": now}
                   for i, tid in enumerate(ids)]
    changes = [{"tenant_id": tid, "plan": "standard", "effective_at": MONTH - timedelta(days=40)}
               for tid in ids]
    changes += [{"tenant_id": tid, "plan": "professional",
                 "effective_at": MONTH + timedelta(days=15, hours=13)} for tid in ids[::10]]
    async with services.dbs.control_session() as control:
        for i in range(0, tenants, 2000):
            await control.execute(insert(Tenant), tenant_rows[i:i + 2000])
        for i in range(0, len(changes), 5000):
            await control.execute(insert(TenantPlanChange), changes[i:i + 5000])
        await control.commit()
    events = []
    for tid in ids:
        for d in range(DAYS):
            day = (MONTH + timedelta(days=d)).date()
            at = MONTH + timedelta(days=d)
            events += [{"tenant_id": tid, "meter": "cameras_billable",
                        "idempotency_key": f"cam{c}:{day}", "day": day, "seconds": 0,
                        "bytes": 0, "created_at": at} for c in range(3)]
            events.append({"tenant_id": tid, "meter": "stored_byte_hours",
                           "idempotency_key": f"hot:{day}", "day": day, "seconds": 86400.0,
                           "bytes": 24 * 150 * GB, "created_at": at})
            events.append({"tenant_id": tid, "meter": "egress_bytes",
                           "idempotency_key": f"n1:{day}", "day": day, "seconds": 0,
                           "bytes": 3 * GB, "created_at": at})
        if len(events) >= 20000:
            await _insert(services, events)
            events = []
    await _insert(services, events)
    return time.perf_counter() - start


async def _insert(services: Services, events: list[dict]) -> None:
    """Seed ledger rows with their roll-ups (known-new keys: no existence check)."""
    if events:
        async with services.dbs.control_session() as control:
            await control.execute(insert(UsageEvent), events)
            await add_rollups(control, events)
            await control.commit()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--cameras", type=int, default=1_000)
    parser.add_argument("--ingest-tenants", type=int, default=10)
    args = parser.parse_args()
    settings = Settings.from_env({**os.environ, "ARGUS_CONTROL_SCHEMA": CONTROL,
                                  "ARGUS_LOG_LEVEL": "warning",
                                  "ARGUS_JWT_SECRETS": "bench-only-jwt-signing-secret-0123456789"})
    await drop_schemas(settings, CONTROL)
    services = Services.build(settings)
    schemas: list[str] = []
    try:
        await migrate_control(services)
        print(f"python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} CPUs; "
              f"MariaDB at {settings.database.clusters[settings.database.control_cluster]}")
        figures = await ingest(services, args.ingest_tenants, args.cameras)
        schemas = figures.pop("schemas")  # type: ignore[assignment]
        print(f"ledger ingestion, {args.cameras} cameras over {args.ingest_tenants} tenants, "
              f"{DAYS} days:")
        print(f"  camera_minutes outbox rows written: {figures['sessions']:,} in "
              f"{figures['outbox_s']:.1f} s ({figures['sessions'] / figures['outbox_s']:,.0f}/s)")
        print(f"  drained into the ledger: {figures['drained']:,} in {figures['drain_s']:.1f} s "
              f"({figures['drained'] / figures['drain_s']:,.0f} events/s)")
        print(f"  hourly storage snapshots: {figures['snapshots']:,} ledger rows for 720 hours "
              f"in {figures['snapshot_s']:.1f} s "
              f"({figures['snapshots'] / figures['snapshot_s']:,.0f} events/s)")
        async with services.dbs.control_session() as control:
            await control.execute(delete(UsageEvent))
            await control.execute(delete(UsageRollup))
            await control.commit()
        seed_s = await seed_invoices(services, args.tenants)
        async with services.dbs.control_session() as control:
            ledger = await control.scalar(select(func.count()).select_from(UsageEvent))
        print(f"invoice run, {args.tenants:,} tenants ({args.tenants // 10:,} with a mid-month "
              f"plan change), {ledger:,} ledger rows (seeded in {seed_s:.0f} s):")
        start = time.perf_counter()
        first = await run_invoices(services.dbs, PERIOD, now=datetime.now(UTC))
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = await run_invoices(services.dbs, PERIOD, now=datetime.now(UTC))
        second_s = time.perf_counter() - start
        async with services.dbs.control_session() as control:
            total = await control.scalar(select(func.sum(Invoice.total)))
        print(f"  first run: {first_s:.1f} s ({first['created']:,} drafts created); "
              f"target ≤ 60 s: {'met' if first_s <= 60 else 'NOT met'}")
        print(f"  second run: {second_s:.1f} s (created {second['created']}, refreshed "
              f"{second['refreshed']}, unchanged {second['unchanged']:,})")
        print(f"  sum of totals: {total:,} minor units")
    finally:
        await services.close()
        await drop_schemas(settings, CONTROL, *schemas)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
