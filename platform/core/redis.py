"""Redis clients with timeouts, and a pub/sub subscription that notices a dead connection.

A Redis connection can die silently (a failover, a NAT entry dropped, a proxy that stops
forwarding): reads then block forever and a listener believes it is in sync while it hears
nothing. Every client here has connect and socket timeouts, TCP keepalive and redis-py's
health check; ``Subscription`` pings its own connection every ``ping_interval`` seconds and
counts it dead when nothing (not even the pong) arrived for ``dead_after`` seconds. Then it
reconnects, resubscribes and calls ``on_connect`` again (the caller's resync); while it is
not ``ready`` its users fall back to asking Redis directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from arq.connections import ArqRedis
from arq.connections import RedisSettings as ArqRedisSettings
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger("argus.redis")
CONNECT_TIMEOUT = 5.0
SOCKET_TIMEOUT = 5.0
HEALTH_CHECK_INTERVAL = 15


def client_options() -> dict[str, Any]:
    return {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT,
            "socket_keepalive": True, "health_check_interval": HEALTH_CHECK_INTERVAL,
            "retry_on_timeout": False}


def redis_client(url: str) -> Redis:
    client: Redis = Redis.from_url(url, decode_responses=True, **client_options())
    return client


def arq_client(url: str) -> ArqRedis:
    client: ArqRedis = ArqRedis.from_url(url, **client_options())
    return client


def arq_settings(url: str) -> ArqRedisSettings:
    settings = ArqRedisSettings.from_dsn(url)
    settings.conn_timeout = int(CONNECT_TIMEOUT)
    settings.conn_retries = 5
    return settings


class Subscription:
    """``run()`` keeps one pub/sub connection on ``channels``/``patterns``; each message goes
    to ``handler(message)``; ``on_connect()`` runs after every (re)subscribe, before
    ``ready``. Run it as a task; cancel it to stop."""

    def __init__(self, redis: Redis, handler: Callable[[dict[str, Any]], Awaitable[None] | None], *,
                 channels: Sequence[str] = (), patterns: Sequence[str] = (),
                 on_connect: Callable[[], Awaitable[None]] | None = None,
                 on_lost: Callable[[], Awaitable[None] | None] | None = None,
                 name: str = "pubsub", ping_interval: float = 2.0,
                 dead_after: float = 5.0) -> None:
        self.redis = redis
        self.handler = handler
        self.channels, self.patterns = list(channels), list(patterns)
        self.on_connect, self.on_lost = on_connect, on_lost
        self.name = name
        self.ping_interval, self.dead_after = ping_interval, dead_after
        self.ready = False
        self.connections = 0  # how many times it (re)connected: tests and metrics read it

    async def run(self) -> None:
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                self.ready = False
                raise
            except Exception as exc:
                was_ready, self.ready = self.ready, False
                log.warning("redis.subscription_lost", subscription=self.name, error=str(exc))
                if isinstance(exc, (ConnectionError, TimeoutError, RedisError)):
                    # The client's pooled connections to that server are likely dead too:
                    # drop them all now rather than wait for each one's socket timeout.
                    with contextlib.suppress(Exception):
                        await self.redis.connection_pool.disconnect()
                if was_ready and self.on_lost is not None:
                    result = self.on_lost()
                    if asyncio.iscoroutine(result):
                        await result
                await asyncio.sleep(1)

    async def _session(self) -> None:
        # A cancellation must always end this loop: asyncio.timeout rather than wait_for (which
        # on Python 3.11 can swallow one), and the task's pending cancel is checked each turn.
        pubsub = self.redis.pubsub()
        try:
            async with asyncio.timeout(self.dead_after):
                if self.channels:
                    await pubsub.subscribe(*self.channels)
                if self.patterns:
                    await pubsub.psubscribe(*self.patterns)
            heard = time.monotonic()
            confirmed = False
            next_ping = heard
            me = asyncio.current_task()
            while True:
                async with asyncio.timeout(self.dead_after):
                    message = await pubsub.get_message(timeout=0.5)
                if me is not None and me.cancelling():
                    # redis-py's read timeout can turn a cancellation that arrives as it
                    # expires into a plain timeout: the request is still pending, honour it.
                    raise asyncio.CancelledError
                now = time.monotonic()
                if message is not None:
                    heard = now
                    kind = message.get("type")
                    if kind in ("subscribe", "psubscribe") and not confirmed:
                        confirmed = True
                        if self.on_connect is not None:
                            async with asyncio.timeout(SOCKET_TIMEOUT * 3):
                                await self.on_connect()
                        self.ready = True
                        self.connections += 1
                    elif kind in ("message", "pmessage"):
                        result = self.handler(message)
                        if asyncio.iscoroutine(result):
                            await result
                if now - heard > self.dead_after:
                    raise ConnectionError(f"no answer from Redis for {self.dead_after:.0f} s")
                if now >= next_ping:
                    async with asyncio.timeout(self.dead_after):
                        await pubsub.ping()
                    next_ping = now + self.ping_interval
        finally:
            self.ready = False
            try:
                async with asyncio.timeout(2):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            except Exception:  # the connection is dead anyway
                pubsub.connection = None
