"""An in-process mirror of the revocation markers kept in Redis.

Redis stays the record: every revocation is written there with its TTL and announced on the
``revocations`` channel. Each process applies announcements to its mirror (its own at once) and,
each time it (re)subscribes, rereads every marker. While the mirror is not ``ready`` (start-up,
lost connection) the auth middleware asks Redis directly on every request instead.
"""

from __future__ import annotations

import json
import time

import structlog
from redis.asyncio import Redis

from argus.platform.core.redis import Subscription

log = structlog.get_logger("argus.auth")
PRUNE_EVERY = 30.0


class RevocationMirror:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.channel = f"{prefix}:revocations"
        self.values: dict[str, tuple[str, float]] = {}
        self._pruned_at = time.time()
        self.subscription = Subscription(redis, self._on_message, channels=[self.channel],
                                         on_connect=self._resync, name="revocations")

    def get(self, key: str) -> str | None:
        entry = self.values.get(key)
        if entry is None:
            return None
        if entry[1] < time.time():
            self.values.pop(key, None)
            return None
        return entry[0]

    def apply(self, key: str, value: str, ttl: float) -> None:
        self.values[key] = (value, time.time() + ttl)

    async def set(self, key: str, value: str, ttl: int) -> None:
        """Record a revocation: in Redis, on the channel, and here."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(key, value, ex=ttl)
            pipe.publish(self.channel, json.dumps([key, value, ttl]))
            await pipe.execute()
        self.apply(key, value, ttl)

    async def _resync(self) -> None:
        keys = [k async for k in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000)
                if not k.startswith(f"{self.prefix}:rl")]
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.get(key)
                    pipe.pttl(key)
                replies = await pipe.execute()
            for key, value, pttl in zip(batch, replies[0::2], replies[1::2], strict=True):
                if value is not None and pttl and pttl > 0:
                    self.apply(key, value, pttl / 1000)
        self.prune()

    def prune(self) -> None:
        """Drop expired entries (a busy process revokes a lot: the dict must not only grow)."""
        now = time.time()
        self._pruned_at = now
        for key in [k for k, (_, exp) in self.values.items() if exp < now]:
            self.values.pop(key, None)

    async def _on_message(self, message: dict) -> None:
        try:
            key, value, ttl = json.loads(message["data"])
            self.apply(str(key), str(value), float(ttl))
        except (ValueError, TypeError):
            log.warning("auth.bad_revocation_message")
        if time.time() - self._pruned_at > PRUNE_EVERY:
            self.prune()

    @property
    def ready(self) -> bool:
        return self.subscription.ready

    async def run(self) -> None:
        """Subscribe, resync, apply announcements; a dead connection is noticed within seconds
        (``Subscription``) and the mirror is not ``ready`` until it has resynced."""
        await self.subscription.run()
