"""arq jobs: enqueueing them from anywhere (API handlers, callbacks, node agents), and what a
job function gets from its ``ctx``.

A domain's jobs live in its ``jobs.py`` as ``async def job(ctx, *args)``; the workers list them
(``argus.platform.workers``) and everything else enqueues them by function, never by a
string: ``await jobs.general(export_clip, tenant.id, clip.id)``. Inside a job,
``from_ctx(ctx, TenantService)`` is the process's own service of that type.

Queues: ``argus:<control schema>:general`` for the general workers and
``argus:<control schema>:node:<node id>`` for one ingest node's agent. arq pickles job
arguments, so its Redis client is a separate one without ``decode_responses``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import timedelta
from typing import Any, TypeVar

from argus.platform.core import keys
from argus.platform.core.redis import arq_client
from argus.platform.core.settings import Settings


def general_queue(settings: Settings) -> str:
    return keys.general_queue(settings.database.control_schema)


def node_queue(settings: Settings, node_id: str) -> str:
    return keys.node_queue(settings.database.control_schema, node_id)


T = TypeVar("T")
JobFunction = Callable[..., Awaitable[Any]]


def from_ctx(ctx: Mapping[str, Any], kind: type[T]) -> T:
    """The service of type ``kind`` this worker was started with: a value of its ``ctx``, or a
    field of the services bundle there."""
    for value in ctx.values():
        if isinstance(value, kind):
            return value
        if is_dataclass(value) and not isinstance(value, type):
            for part in fields(value):
                candidate = getattr(value, part.name)
                if isinstance(candidate, kind):
                    return candidate
    raise LookupError(f"this worker was started without a {kind.__name__}")


class Jobs:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redis = arq_client(settings.redis.url)
        self._recent: dict[str, float] = {}  # job ids this process enqueued lately

    def seen(self, job_id: str, within: float = 2.0) -> bool:
        """True when this process enqueued ``job_id`` less than ``within`` seconds ago: for
        kicks whose id names a second, a busy event path then asks Redis once a second per
        target instead of once per event (arq would refuse the repeat anyway)."""
        now = time.monotonic()
        if len(self._recent) > 10_000:
            self._recent = {k: t for k, t in self._recent.items() if now - t < within}
        if now - self._recent.get(job_id, -within) < within:
            return True
        self._recent[job_id] = now
        return False

    async def enqueue(self, queue: str, function: JobFunction, *args: Any,
                      job_id: str | None = None, defer: float | None = None) -> bool:
        """Enqueue once: a ``job_id`` already queued or kept as a result is not enqueued again."""
        job = await self.redis.enqueue_job(
            function.__name__, *args, _queue_name=queue, _job_id=job_id,
            _defer_by=timedelta(seconds=defer) if defer else None)
        return job is not None

    async def general(self, function: JobFunction, *args: Any, **options: Any) -> bool:
        return await self.enqueue(general_queue(self.settings), function, *args, **options)

    async def node(self, node_id: str, function: JobFunction, *args: Any,
                   **options: Any) -> bool:
        return await self.enqueue(node_queue(self.settings, node_id), function, *args, **options)

    async def close(self) -> None:
        await self.redis.aclose()
