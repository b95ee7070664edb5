"""One Redis subscription per process for every tenant's events, and the open-socket caps.

``EventHub`` pattern-subscribes once to ``argus:<control schema>:events:*`` (started by the
first socket that needs it) and hands each message to the queues of that tenant's sockets in
this process. If the subscription is lost, every socket is told (``None`` in its queue) and
closes, so that no client sits on a socket that silently stopped carrying events; clients
reconnect. A socket whose queue overflows (a client that does not read) is closed the same way.

``SocketSlots`` caps open sockets per user and per tenant over all replicas: a sorted set per
key in Redis whose members expire unless their socket refreshes them, so a crashed replica's
sockets stop counting within ``SLOT_TTL`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict

from redis.asyncio import Redis

from argus.platform.core.keys import events_channel, sockets_prefix
from argus.platform.core.redis import Subscription

QUEUE_SIZE = 1000
SLOT_TTL = 30.0
LOST = None  # what a socket's queue receives when it must close


class EventHub:
    def __init__(self, redis: Redis, control_schema: str) -> None:
        self.redis = redis
        self.prefix = events_channel(control_schema, "")
        self.queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self.subscription = Subscription(redis, self._dispatch, patterns=[self.prefix + "*"],
                                         on_lost=self._lost, name="events")
        self.task: asyncio.Task | None = None

    def _dispatch(self, message: dict) -> None:
        tenant_id = str(message["channel"])[len(self.prefix):]
        for queue in list(self.queues.get(tenant_id, ())):
            try:
                queue.put_nowait(message["data"])
            except asyncio.QueueFull:
                self._close(queue)

    def _close(self, queue: asyncio.Queue) -> None:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(LOST)

    def _lost(self) -> None:
        for queues in self.queues.values():
            for queue in queues:
                self._close(queue)

    async def register(self, tenant_id: str, wait: float = 5.0) -> asyncio.Queue | None:
        """A queue of this tenant's events (raw JSON), or None if Redis cannot be reached."""
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.subscription.run(), name="events-hub")
        deadline = time.monotonic() + wait
        while not self.subscription.ready:  # only the first socket of a process waits here
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.02)
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.queues[tenant_id].add(queue)
        return queue

    def unregister(self, tenant_id: str, queue: asyncio.Queue) -> None:
        queues = self.queues.get(tenant_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self.queues[tenant_id]

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class SocketSlots:
    # KEYS: the user's and the tenant's sets. ARGV: now, expiry, member, user max, tenant max.
    _ACQUIRE = """
    for i = 1, 2 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1]) end
    if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
    if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
    for i = 1, 2 do
      redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
      redis.call('EXPIRE', KEYS[i], 120)
    end
    return 0
    """

    def __init__(self, redis: Redis, control_schema: str, per_user: int, per_tenant: int):
        self.redis = redis
        self.ns = sockets_prefix(control_schema)
        self.per_user, self.per_tenant = per_user, per_tenant
        self._acquire = redis.register_script(self._ACQUIRE)

    def _keys(self, tenant_id: str, user_id: str) -> list[str]:
        return [f"{self.ns}:user:{tenant_id}:{user_id}", f"{self.ns}:tenant:{tenant_id}"]

    async def acquire(self, tenant_id: str, user_id: str) -> str | None:
        """A slot id, or None when the user or the tenant has no slot left (which one is
        said by ``over``)."""
        member = uuid.uuid4().hex
        now = time.time()
        verdict = await self._acquire(keys=self._keys(tenant_id, user_id),
                                      args=[now, now + SLOT_TTL, member, self.per_user,
                                            self.per_tenant])
        return member if int(verdict) == 0 else None

    async def refresh(self, tenant_id: str, user_id: str, member: str) -> None:
        expires = time.time() + SLOT_TTL
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in self._keys(tenant_id, user_id):
                pipe.zadd(key, {member: expires}, xx=True)
            await pipe.execute()

    async def release(self, tenant_id: str, user_id: str, member: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in self._keys(tenant_id, user_id):
                pipe.zrem(key, member)
            await pipe.execute()
