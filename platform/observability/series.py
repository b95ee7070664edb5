"""Every series a process counts itself (counters, histograms, its in-flight gauge), in one
place so the names dashboards and alert rules use are listed here.

What is counted where: HTTP requests in ``request_log``; publishes and callback latency in the
ingest controller; login failures and rate-limit refusals in identity; job outcomes and
durations by ``timed`` around every arq job (general workers and node agents); thumbnail
timings in the node agent. Values that are the same whatever process is asked (tenants, cameras
online, queues, storage) are not counted here: ``snapshot`` reads them at scrape time.

Labels are bounded sets — route templates, methods, statuses, error codes, job function
names — never a tenant, camera, user or raw path.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from prometheus_client import Counter, Gauge, Histogram

LATENCY = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
JOB_BUCKETS = (.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900)

HTTP_REQUESTS = Counter("argus_http_requests_total", "HTTP requests answered",
                        ["route", "method", "status"])
HTTP_DURATION = Histogram("argus_http_request_duration_seconds",
                          "Time to answer an HTTP request", ["route", "method"],
                          buckets=LATENCY)
# livesum: with several server processes the scrape adds the live processes' values; a dead
# process's file is dropped at the next scrape (metrics.scrape).
HTTP_IN_FLIGHT = Gauge("argus_http_requests_in_flight", "HTTP requests being answered",
                       multiprocess_mode="livesum")
PUBLISHES = Counter("argus_publishes_total",
                    "Publish callbacks answered: accepted, or refused with the reason's code",
                    ["result", "reason"])
CALLBACK_DURATION = Histogram("argus_rtmp_callback_duration_seconds",
                              "Time to answer an nginx-rtmp callback", ["callback"],
                              buckets=LATENCY)
LOGIN_FAILURES = Counter("argus_login_failures_total", "Sign-ins refused, by reason",
                         ["reason"])
RATE_LIMITED = Counter("argus_rate_limit_refusals_total",
                       "Calls refused by a rate limit (api: per caller; login: sign-in "
                       "lockout; budget: a per-address budget such as unknown stream keys)",
                       ["kind"])
JOBS = Counter("argus_jobs_total", "arq jobs run, by function and outcome",
               ["function", "outcome"])
JOB_DURATION = Histogram("argus_job_duration_seconds", "Time an arq job ran", ["function"],
                         buckets=JOB_BUCKETS)
THUMBNAIL_BATCH_SECONDS = Histogram("argus_node_thumbnail_batch_seconds",
                                    "Time to grab and store one batch of live thumbnails "
                                    "(one ffmpeg for up to 25 streams)",
                                    buckets=(.05, .1, .25, .5, 1, 2.5, 5, 10, 30))

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_log = structlog.get_logger("argus.jobs")


def timed(function: F) -> F:
    """``function`` (an arq job) counted in ``argus_jobs_total`` by outcome (``ok``,
    ``failed``, ``retry``, ``cancelled``: a timeout or shutdown) and timed, its log lines
    carrying ``job`` and ``job_id``. Keeps the name arq registers and enqueues it under."""
    name = function.__name__

    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "failed"
        ctx = args[0] if args and isinstance(args[0], dict) else {}
        error = None
        with structlog.contextvars.bound_contextvars(job=name, job_id=ctx.get("job_id")):
            try:
                result = await function(*args, **kwargs)
                outcome = "ok"
                return result
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except Exception as exc:
                if type(exc).__name__ == "Retry":  # arq.Retry: asked to run again later
                    outcome = "retry"
                error = f"{type(exc).__name__}: {exc}"[:300]
                raise
            finally:
                seconds = time.perf_counter() - started
                JOBS.labels(name, outcome).inc()
                JOB_DURATION.labels(name).observe(seconds)
                (_log.debug if outcome == "ok" else _log.error if outcome == "failed"
                 else _log.warning)("job.done", outcome=outcome, seconds=round(seconds, 3),
                                    error=error)

    return run  # type: ignore[return-value]


def names() -> set[str]:
    """The metric names defined here (what a scrape shows, without suffixes)."""
    return {metric._name for metric in (  # noqa: SLF001
        HTTP_REQUESTS, HTTP_DURATION, HTTP_IN_FLIGHT, PUBLISHES, CALLBACK_DURATION,
        LOGIN_FAILURES, RATE_LIMITED, JOBS, JOB_DURATION, THUMBNAIL_BATCH_SECONDS)}
