"""An in-process mirror of the revocation markers kept in Redis.

Redis stays the record: every revocation is written there with its TTL and announced on the
``revocations`` channel. Each process applies announcements to its mirror (its own at once) and,
each time it (re)subscribes, rereads every marker. While the mirror is not ``ready`` (start-up,
lost connection) the auth middleware asks Redis directly on every request instead.
"""

from __future__ import annotations

import asyncio
import json
import time

import structlog
from redis.asyncio import Redis

log = structlog.get_logger("argus.auth")


class RevocationMirror:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.channel = f"{prefix}:revocations"
        self.values: dict[str, tuple[str, float]] = {}
        self.ready = False

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
        # Drop what has expired meanwhile, so the dict does not only ever grow.
        now = time.time()
        for key in [k for k, (_, exp) in self.values.items() if exp < now]:
            self.values.pop(key, None)

    async def run(self) -> None:
        """Subscribe, resync, apply announcements; on any failure fall back and retry."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    await self._resync()  # after subscribing: nothing announced is missed
                    self.ready = True
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        try:
                            key, value, ttl = json.loads(message["data"])
                            self.apply(str(key), str(value), float(ttl))
                        except (ValueError, TypeError):
                            log.warning("auth.bad_revocation_message")
            except asyncio.CancelledError:
                self.ready = False
                raise
            except Exception as exc:
                self.ready = False
                log.warning("auth.revocation_mirror_error", error=str(exc))
                await asyncio.sleep(1)
