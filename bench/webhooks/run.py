"""Webhooks at load: deliveries per second to a local receiver, and the delay announcing an
event adds to the fact's transaction at 1,000 events/s.

1. **Delivery throughput**: ``--tenants`` provisioned tenants with ``--endpoints`` endpoints
   each, all pointing at one local receiver (uvicorn, answers 204); ``--per-endpoint``
   events written to each tenant's outbox up front (each fans out to every endpoint of the
   tenant); then every endpoint is kicked and ``--workers`` real ``argus worker`` processes
   deliver (signed, logged, one attempt row per delivery, per-endpoint concurrency 1). Timed
   from the kick until every delivery is ``delivered``. Target: ≥ 500/s.
2. **Event path**: one tenant with 3 endpoints and a notification rule; camera status updates
   started at each of ``--rates`` per second for ``--seconds``, each one transaction, first
   without and then with ``announce`` (the outbox rows, the rule's incident check, the kick
   after the commit), at most ``IN_FLIGHT`` at a time as a server's connection pool allows.
   Reported: each event's transaction time and its time from when it was due (which shows
   falling behind the rate); the delay added is the difference of the two runs. No worker
   runs in this part.

Uses its own control schema (``argus_bench_webhooks``) and tenant schemas, dropped at the end.

    .venv/bin/python bench/webhooks/run.py [--tenants 4] [--endpoints 25] [--per-endpoint 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import drop_schemas, free_port  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from argus.platform.alerts.announce import announce  # noqa: E402
from argus.platform.alerts.models import NotificationRule  # noqa: E402
from argus.platform.cameras.models import Camera  # noqa: E402
from argus.platform.cli.commands import migrate_control  # noqa: E402
from argus.platform.core.settings import Settings  # noqa: E402
from argus.platform.services import Services  # noqa: E402
from argus.platform.webhooks.delivery import emit  # noqa: E402
from argus.platform.webhooks.jobs import kick  # noqa: E402
from argus.platform.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402
from argus.platform.webhooks.service import WebhookService  # noqa: E402
from argus.platform.webhooks.vault import Vault  # noqa: E402
from argus.tenants.context import TenantContext  # noqa: E402
from argus.tenants.service import TenantSpec  # noqa: E402

CONTROL = "argus_bench_webhooks"
IN_FLIGHT = 16  # events in their transaction at once (the pool holds 20 connections)
BIN = Path(sys.executable).parent
ENV = {"ARGUS_CONTROL_SCHEMA": CONTROL, "ARGUS_LOG_LEVEL": "warning",
       "ARGUS_JWT_SECRETS": "bench-only-jwt-signing-secret-0123456789",
       "ARGUS_WEBHOOK_KEYS": "YmVuY2gtb25seS13ZWJob29rLWtleS0wMTIzNDU2Nzg=",
       "ARGUS_WEBHOOK_ALLOW_PRIVATE": "true"}


def start_receiver(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "uvicorn"), "receiver:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=Path(__file__).parent,
        stdout=subprocess.DEVNULL)
    time.sleep(1.5)
    return proc


def start_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, **ENV}
    return [subprocess.Popen([str(BIN / "argus"), "worker"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


async def throughput(services: Services, tenants: list[TenantContext], endpoints: int,
                     per_endpoint: int, workers: int, url: str) -> dict[str, float]:
    vault = Vault(services.settings.webhooks.keys)
    ids: dict[str, list[str]] = {}
    for tenant in tenants:
        async with services.dbs.tenant_session(tenant) as session:
            service = WebhookService(session, vault, allow_private=True)
            ids[tenant.id] = [(await service.create(url, f"bench {i}", None, True))[0].id
                              for i in range(endpoints)]
    procs = start_workers(workers)
    await asyncio.sleep(4)  # started, their start-up sweep done (nothing pending yet)
    try:
        for tenant in tenants:
            async with services.dbs.tenant_session(tenant) as session:
                for i in range(per_endpoint):
                    await emit(session, "camera.online", {"camera_id": str(uuid.uuid4()),
                                                          "status": "online", "n": i})
                await session.commit()
        total = len(tenants) * endpoints * per_endpoint
        start = time.perf_counter()
        for tenant in tenants:
            await kick(services.jobs, tenant.id, ids[tenant.id])
        delivered = 0
        while delivered < total and time.perf_counter() - start < 600:
            await asyncio.sleep(0.25)
            delivered = 0
            for tenant in tenants:
                async with services.dbs.tenant_session(tenant) as session:
                    delivered += await session.scalar(select(func.count()).select_from(
                        WebhookDelivery).where(WebhookDelivery.state == "delivered")) or 0
        elapsed = time.perf_counter() - start
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    return {"total": total, "delivered": delivered, "seconds": elapsed}


async def event_path(services: Services, tenant: TenantContext, rate: int, seconds: float,
                     announced: bool) -> dict[str, float]:
    async with services.dbs.tenant_session(tenant) as session:
        cameras = list(await session.scalars(select(Camera.id)))
    latencies: list[float] = []
    service: list[float] = []
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(n: int, due: float) -> None:
        camera_id = cameras[n % len(cameras)]
        await slots.acquire()
        began = time.perf_counter()
        async with services.dbs.tenant_session(tenant) as session:
            await session.execute(update(Camera).where(Camera.id == camera_id)
                                  .values(bitrate_kbps=n % 5000))
            told = None
            if announced:
                told = await announce(session, "camera.online",
                                      {"camera_id": camera_id, "status": "online"})
            await session.commit()
        if told is not None:
            await told.dispatch(services.jobs, tenant.id)
        slots.release()
        done = time.perf_counter()
        latencies.append(done - due)
        service.append(done - began)

    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        due = start + n / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()
    service.sort()
    return {"events": len(latencies), "rate": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "tx_p50_ms": statistics.median(service) * 1000,
            "tx_p99_ms": service[int(len(service) * 0.99) - 1] * 1000}


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=4)
    parser.add_argument("--endpoints", type=int, default=25)
    parser.add_argument("--per-endpoint", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rates", type=lambda v: [int(x) for x in v.split(",")],
                        default=[300, 1000])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    settings = Settings.from_env({**os.environ, **ENV})
    await drop_schemas(settings, CONTROL)
    services = Services.build(settings)
    port = free_port()
    receiver = start_receiver(port)
    schemas: list[str] = []
    try:
        await migrate_control(services)
        print(f"python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} CPUs; "
              f"MariaDB and Redis local; receiver: uvicorn on 127.0.0.1:{port}")
        tenants = []
        for i in range(args.tenants):
            row, _ = await services.tenant_service.put(f"bw{i:02d}{uuid.uuid4().hex[:4]}",
                                                       TenantSpec(name=f"bench {i}"))
            schemas.append(row.schema)
            tenants.append(TenantContext.from_row(row))
        t = await throughput(services, tenants, args.endpoints, args.per_endpoint,
                             args.workers, f"http://127.0.0.1:{port}/hook")
        print(f"delivery: {t['delivered']:,} of {t['total']:,} deliveries to "
              f"{args.tenants * args.endpoints} endpoints by {args.workers} worker processes "
              f"(max_jobs 10 each) in {t['seconds']:.1f} s: "
              f"**{t['delivered'] / t['seconds']:,.0f} deliveries/s** (target ≥ 500/s)")

        tenant = tenants[0]
        async with services.dbs.tenant_session(tenant) as session:
            await session.execute(update(WebhookEndpoint).where(
                WebhookEndpoint.description.notin_(["bench 0", "bench 1", "bench 2"]))
                .values(enabled=False))  # 3 endpoints subscribed
            session.add_all([Camera(name=f"cam {i}") for i in range(100)])
            session.add(NotificationRule(name="offline", event_type="camera.offline",
                                         scope="all", channels=["email"],
                                         recipients={"roles": ["admin"]}, debounce_s=300))
            await session.commit()
        for rate in args.rates:
            base = await event_path(services, tenant, rate, args.seconds, announced=False)
            told = await event_path(services, tenant, rate, args.seconds, announced=True)
            for label, r in (("without announce", base), ("with announce", told)):
                print(f"event path at {rate}/s asked, {label}: {r['events']:,} events at "
                      f"{r['rate']:,.0f}/s; transaction p50 {r['tx_p50_ms']:.1f} ms, p99 "
                      f"{r['tx_p99_ms']:.1f} ms; from the event's due time p50 "
                      f"{r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
            print(f"  added by announcing (3 endpoints, 1 rule): transaction p50 "
                  f"{told['tx_p50_ms'] - base['tx_p50_ms']:+.1f} ms, p99 "
                  f"{told['tx_p99_ms'] - base['tx_p99_ms']:+.1f} ms")
    finally:
        receiver.terminate()
        receiver.wait(10)
        await services.close()
        await drop_schemas(settings, CONTROL, *schemas)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
