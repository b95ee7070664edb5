"""Deployment-wide series, read at scrape time from the control schema and Redis.

These are the same whatever replica answers the scrape (tenants by state, ingest nodes and
the cameras each carries, queue depths, storage by tier, custom domains, the per-tenant
family): dashboards and alert rules aggregate them with ``max``, never ``sum``, across
instances. One read costs a handful of control-schema queries and one Redis pipeline,
whatever the number of tenants; it is kept ``CACHE_SECONDS`` so parallel scrapers share it.

**Per-tenant family** (``ARGUS_METRICS_TENANT_SERIES``, default 50; 0 turns it off): cameras
online, storage bytes and API calls labelled with the tenant's slug, for the ``N`` largest
tenants of each; the rest of the gauges are added up under ``tenant="_other"``. Each family is
at most ``N + 1`` series whatever the number of tenants (the cardinality test scrapes 1,000).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import datetime

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from argus.billing.usage import StorageTier
from argus.platform.core import keys
from argus.platform.core.db import utcnow
from argus.platform.core.infra import Infra
from argus.platform.ingest.models import NODE_STATES, IngestNode
from argus.platform.observability.health import check_dependencies
from argus.platform.observability.tenant_calls import api_calls_key
from argus.tenants.models import STATES, Tenant, TenantDomain

log = structlog.get_logger("argus.metrics")
CACHE_SECONDS = 5.0
OTHER = "_other"
CLIP_JOB_PREFIX = "clip:"  # export_clip's job ids (recordings.service.request_clip)
STORAGE_TIERS = ("hot", "warm", "cold", "clip")
DOMAIN_STATES = ("pending", "verified", "failed")
# Base names (counters without ``_total``) of everything read here, for the dashboards' check.
NAMES = frozenset({
    "argus_tenants", "argus_ingest_nodes", "argus_ingest_node_heartbeat_age_seconds",
    "argus_cameras_online", "argus_storage_bytes", "argus_queue_jobs",
    "argus_queue_oldest_job_age_seconds", "argus_clip_exports_queued", "argus_domains",
    "argus_domain_pending_oldest_seconds", "argus_tenant_cameras_online",
    "argus_tenant_storage_bytes", "argus_tenant_api_calls", "argus_snapshot_read_seconds",
    "argus_dependency_up", "argus_snapshot_up",
})


def _age(at: datetime | None, now: datetime) -> float:
    return max(0.0, (now - at).total_seconds()) if at is not None else 0.0


def top(values: dict[str, float], n: int, other: bool = True) -> list[tuple[str, float]]:
    """The ``n`` largest entries, then (``other``) the rest added up as ``_other``."""
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ranked[:n]
    if other and len(ranked) > n:
        shown.append((OTHER, sum(v for _, v in ranked[n:])))
    return shown


class Snapshot:
    """Reads the deployment-wide families (cached briefly; one read at a time)."""

    def __init__(self, infra: Infra, tenant_series: int) -> None:
        self.infra = infra
        self.tenant_series = tenant_series
        self.schema = infra.settings.database.control_schema
        self._cached: tuple[float, list[Metric]] | None = None
        self._lock = asyncio.Lock()

    async def families(self) -> list[Metric]:
        """The families; when the control database or Redis cannot be read, only
        ``argus_dependency_up`` (what ``/readyz`` says) and ``argus_snapshot_up 0``."""
        async with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > CACHE_SECONDS:
                checks = await check_dependencies(self.infra)
                up = _gauge("argus_dependency_up", "1 when this replica reaches the "
                            "dependency (the checks of /readyz)", "dependency",
                            {name: 1 if result == "ok" else 0 for name, result in checks.items()})
                try:
                    families, ok = await self.read(), 1
                except Exception as exc:
                    log.warning("metrics.snapshot_failed", error=str(exc))
                    families, ok = [], 0
                read = GaugeMetricFamily("argus_snapshot_up", "1 when the deployment-wide "
                                         "series could be read")
                read.add_metric([], ok)
                self._cached = (time.monotonic(), [up, read, *families])
            return self._cached[1]

    async def read(self) -> list[Metric]:
        started = time.perf_counter()
        now = utcnow()
        async with self.infra.dbs.control_session() as session:
            tenants = (await session.execute(
                select(Tenant.id, Tenant.slug, Tenant.state, Tenant.storage_bytes))).all()
            tiers = dict((await session.execute(
                select(StorageTier.tier, func.sum(StorageTier.bytes))
                .group_by(StorageTier.tier))).all())
            nodes = (await session.execute(
                select(IngestNode.id, IngestNode.state, IngestNode.last_heartbeat_at))).all()
            domains = {state: (count, oldest) for state, count, oldest in (await session.execute(
                select(TenantDomain.state, func.count(), func.min(TenantDomain.created_at))
                .group_by(TenantDomain.state))).all()}
        redis = self.infra.redis
        general = keys.general_queue(self.schema)
        queues = {"general": general} | {
            f"node:{node.id}": keys.node_queue(self.schema, node.id) for node in nodes}
        async with redis.pipeline(transaction=False) as pipe:
            for node in nodes:
                pipe.hgetall(f"{keys.live_prefix(self.schema)}:node-live:{node.id}")
            for queue in queues.values():
                pipe.zcard(queue)
                pipe.zrange(queue, 0, 0, withscores=True)
            pipe.hgetall(api_calls_key(self.schema))
            replies = await pipe.execute()
        live = dict(zip([n.id for n in nodes], replies[:len(nodes)], strict=True))
        depth = replies[len(nodes):-1]
        api_calls: dict[str, str] = replies[-1]
        clips = 0
        async for _ in redis.zscan_iter(general, match=f"{CLIP_JOB_PREFIX}*", count=1000):
            clips += 1

        out: list[Metric] = []
        by_state = {state: 0 for state in STATES}
        for row in tenants:
            by_state[row.state] = by_state.get(row.state, 0) + 1
        out.append(_gauge("argus_tenants", "Tenants by state", "state", by_state))
        node_states = {state: 0 for state in NODE_STATES}
        for node in nodes:
            node_states[node.state] = node_states.get(node.state, 0) + 1
        out.append(_gauge("argus_ingest_nodes", "Registered ingest nodes by state", "state",
                          node_states))
        out.append(_gauge("argus_ingest_node_heartbeat_age_seconds",
                          "Seconds since each active node's agent last reported", "node",
                          {n.id: _age(n.last_heartbeat_at, now) for n in nodes
                           if n.state == "active" and n.last_heartbeat_at is not None}))
        out.append(_gauge("argus_cameras_online", "Cameras publishing, by ingest node", "node",
                          {node_id: len(streams) for node_id, streams in live.items()}))
        stored = dict.fromkeys(STORAGE_TIERS, 0) | {t: int(b or 0) for t, b in tiers.items()}
        out.append(_gauge("argus_storage_bytes", "Bytes stored for all tenants, by tier",
                          "tier", stored))
        out.append(_gauge("argus_queue_jobs", "arq jobs waiting (or deferred) per queue",
                          "queue", {name: depth[2 * i] for i, name in enumerate(queues)}))
        nowms = time.time() * 1000
        out.append(_gauge("argus_queue_oldest_job_age_seconds",
                          "Age of the oldest job due in each queue (0: none due)", "queue",
                          {name: max(0.0, (nowms - oldest[0][1]) / 1000) if oldest else 0.0
                           for name, oldest in zip(queues, depth[1::2], strict=True)}))
        clip_family = GaugeMetricFamily("argus_clip_exports_queued",
                                        "Clip exports waiting for a worker")
        clip_family.add_metric([], clips)
        out.append(clip_family)
        out.append(_gauge("argus_domains", "Custom domain claims by state", "state",
                          {s: domains.get(s, (0, None))[0] for s in DOMAIN_STATES}))
        pending = GaugeMetricFamily("argus_domain_pending_oldest_seconds",
                                    "Age of the oldest custom domain still pending "
                                    "verification (no certificate is issued before)")
        pending.add_metric([], _age(domains.get("pending", (0, None))[1], now))
        out.append(pending)
        if self.tenant_series > 0:
            out += self._per_tenant(tenants, live, api_calls)
        took = GaugeMetricFamily("argus_snapshot_read_seconds",
                                 "Time the last read of these deployment-wide series took")
        took.add_metric([], time.perf_counter() - started)
        out.append(took)
        return out

    def _per_tenant(self, tenants: Iterable, live: dict[str, dict[str, str]],
                    api_calls: dict[str, str]) -> list[Metric]:
        slugs = {row.id: row.slug for row in tenants}
        online: dict[str, float] = {}
        for streams in live.values():
            for tenant_id in streams.values():
                slug = slugs.get(tenant_id)
                if slug is not None:
                    online[slug] = online.get(slug, 0) + 1
        storage = {row.slug: float(row.storage_bytes or 0) for row in tenants}
        calls = {slugs[t]: float(n) for t, n in api_calls.items() if t in slugs}
        n = self.tenant_series
        cameras = GaugeMetricFamily("argus_tenant_cameras_online",
                                    f"Cameras publishing: the {n} tenants with most, then "
                                    "_other", labels=["tenant"])
        for slug, value in top(online, n):
            cameras.add_metric([slug], value)
        stored = GaugeMetricFamily("argus_tenant_storage_bytes",
                                   f"Bytes stored: the {n} largest tenants, then _other",
                                   labels=["tenant"])
        for slug, value in top(storage, n):
            stored.add_metric([slug], value)
        # A counter must not lose series to an _other that could go down: the busiest N only
        # (the total over every tenant is argus_http_requests_total).
        api = CounterMetricFamily("argus_tenant_api_calls",
                                  f"Authenticated API calls of the {n} busiest tenants",
                                  labels=["tenant"])
        for slug, value in top(calls, n, other=False):
            api.add_metric([slug], value)
        return [cameras, stored, api]


def _gauge(name: str, documentation: str, label: str,
           values: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values.items():
        family.add_metric([key], value)
    return family
