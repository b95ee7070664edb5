"""Enqueueing arq jobs from anywhere (API handlers, callbacks, node agents).

Queues: ``argus:<control schema>:general`` for the general workers and
``argus:<control schema>:node:<node id>`` for one ingest node's agent. arq pickles job
arguments, so its Redis client is a separate one without ``decode_responses``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from argus.platform.core import keys
from argus.platform.core.redis import arq_client
from argus.platform.core.settings import Settings


def general_queue(settings: Settings) -> str:
    return keys.general_queue(settings.database.control_schema)


def node_queue(settings: Settings, node_id: str) -> str:
    return keys.node_queue(settings.database.control_schema, node_id)


class Jobs:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redis = arq_client(settings.redis.url)

    async def enqueue(self, queue: str, function: str, *args: Any, job_id: str | None = None,
                      defer: float | None = None) -> bool:
        """Enqueue once: a ``job_id`` already queued or kept as a result is not enqueued again."""
        job = await self.redis.enqueue_job(
            function, *args, _queue_name=queue, _job_id=job_id,
            _defer_by=timedelta(seconds=defer) if defer else None)
        return job is not None

    async def general(self, function: str, *args: Any, **options: Any) -> bool:
        return await self.enqueue(general_queue(self.settings), function, *args, **options)

    async def node(self, node_id: str, function: str, *args: Any, **options: Any) -> bool:
        return await self.enqueue(node_queue(self.settings, node_id), function, *args, **options)

    async def close(self) -> None:
        await self.redis.aclose()
