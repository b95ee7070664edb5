"""The general arq worker: the domains' jobs and crons, assembled.

Each domain lists its jobs in its ``jobs.py`` (``JOBS``: enqueued ones; ``CRONS``: periodic
ones); this module only puts them on the general queue with the shared services in ``ctx``.
A worker that starts runs the outbox sweeps (webhooks, alerts) at once, so what a killed
worker left pending goes out now rather than at the next minute.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog

from argus.billing import jobs as billing_jobs
from argus.branding import jobs as branding_jobs
from argus.platform.alerts import jobs as alert_jobs
from argus.platform.billing import jobs as platform_billing_jobs
from argus.platform.core.jobs import general_queue
from argus.platform.core.logging import configure_logging
from argus.platform.core.redis import arq_settings
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings
from argus.platform.ingest import jobs as ingest_jobs
from argus.platform.observability.exporter import serve_metrics
from argus.platform.observability.series import timed
from argus.platform.recordings import jobs as recording_jobs
from argus.platform.services import CTX_KEY, Services, services_of
from argus.platform.webhooks import jobs as webhook_jobs
from argus.tenants import jobs as tenant_jobs

DOMAINS = (tenant_jobs, ingest_jobs, recording_jobs, billing_jobs, platform_billing_jobs,
           webhook_jobs, alert_jobs,
           branding_jobs)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or Settings.from_env()
    configure_logging(settings.log_json, settings.log_level)
    ctx[CTX_KEY] = Services.build(settings)
    if settings.metrics.worker_listen:
        ctx["metrics_server"] = await serve_metrics(settings.metrics.worker_listen,
                                                    settings.metrics.allow)
    tune_gc()
    for sweep in (webhook_jobs.sweep_webhooks, alert_jobs.sweep_alerts):
        try:
            await sweep(ctx)
        except Exception as exc:  # the minutely cron tries again
            structlog.get_logger("argus.worker").warning("worker.startup_sweep_failed",
                                                         sweep=sweep.__name__, error=str(exc))


async def shutdown(ctx: dict[str, Any]) -> None:
    if "metrics_server" in ctx:
        await ctx["metrics_server"].wait_closed()
    if CTX_KEY in ctx:
        await services_of(ctx).close()


def worker_settings(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [timed(job) for domain in DOMAINS for job in domain.JOBS],
        "cron_jobs": [dataclasses.replace(job, coroutine=timed(job.coroutine))
                      for domain in DOMAINS for job in domain.CRONS],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": arq_settings(settings.redis.url),
        "queue_name": general_queue(settings),
        "ctx": {"settings": settings},
        "job_timeout": 300,
        "max_jobs": 10,
    }
