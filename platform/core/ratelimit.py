"""Rate limits in Redis: fixed-window counters for API calls, a growing lockout for logins.

Both cost one Redis round trip on the common path (a pipeline). Counters are keyed under the
control schema's name so two deployments (or the tests and the demo) never share a budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from argus.platform.core.keys import login_prefix, rate_prefix


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    window: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        """IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-07)."""
        return {
            "RateLimit-Policy": f"{self.limit};w={self.window}",
            "RateLimit": f"limit={self.limit}, remaining={max(self.remaining, 0)}, "
                         f"reset={self.reset}",
        }


# API-call counters outlive their window this long, so the ``api_calls`` meter (a minutely
# cron) finds every closed window before it expires.
KEEP_AFTER_WINDOW = 900


def counter_ttl(window: int) -> int:
    return window + KEEP_AFTER_WINDOW


def counter_key(ns: str, key: str, window: int, now: float) -> str:
    """The Redis key counting ``key``'s calls in the fixed window that holds ``now``."""
    return f"{ns}:api:{key}:{int(now // window)}"


class RateLimiter:
    """Fixed-window counter keys; the middleware counts in Redis with them (one Lua call)."""

    def __init__(self, namespace: str) -> None:
        self.ns = rate_prefix(namespace)

    def counter(self, key: str, window: int) -> tuple[str, float]:
        """The counter key of the current window for ``key``, and the time it was taken at."""
        now = time.time()
        return counter_key(self.ns, key, window, now), now

    @staticmethod
    def budget(count: int, limit: int, window: int, now: float) -> Budget:
        reset = max(1, math.ceil((int(now // window) + 1) * window - now))
        return Budget(limit=limit, remaining=limit - int(count), reset=reset, window=window)


class BatchedCounter:
    """Rate-limit counting without a Redis round trip per call.

    Each process counts calls locally and adds them to the shared Redis counters every
    ``interval`` seconds (one pipeline for all keys), learning the global totals back. A call is
    judged on the last known global total plus this process's unsent calls, so replicas may
    together overshoot a limit by what they serve in one interval. ``ready`` is false until the
    flusher runs and after a failed flush; callers then count in Redis directly.
    """

    def __init__(self, redis: Redis, namespace: str, interval: float = 0.05) -> None:
        self.redis = redis
        self.ns = rate_prefix(namespace)
        self.interval = interval
        self.pending: dict[str, list[int]] = {}  # counter key -> [unsent calls, ttl]
        self.known: dict[str, tuple[int, float]] = {}  # counter key -> (global total, expiry)
        self.ready = False

    def hit(self, key: str, limit: int, window: int) -> Budget:
        now = time.time()
        name = counter_key(self.ns, key, window, now)
        entry = self.pending.get(name)
        if entry is None:
            entry = self.pending[name] = [0, counter_ttl(window)]
        entry[0] += 1
        total = self.known.get(name, (0, 0.0))[0] + entry[0]
        return RateLimiter.budget(total, limit, window, now)

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for name, (count, ttl) in batch.items():
                pipe.incrby(name, count)
                pipe.expire(name, ttl)
            replies = await pipe.execute()
        now = time.time()
        for (name, (_, ttl)), total in zip(batch.items(), replies[0::2], strict=True):
            self.known[name] = (int(total), now + ttl)
        if len(self.known) > 10_000:
            self.known = {k: v for k, v in self.known.items() if v[1] > now}

    async def run(self) -> None:
        me = asyncio.current_task()
        while True:
            try:
                await self.flush()
                self.ready = True
            except asyncio.CancelledError:
                self.ready = False
                raise
            except Exception:
                self.ready = False  # calls go to Redis directly until a flush works again
            if me is not None and me.cancelling():  # a cancel redis-py turned into an error
                self.ready = False
                raise asyncio.CancelledError
            await asyncio.sleep(self.interval)


class LoginThrottle:
    """Counts sign-in attempts per client IP and per account; too many lock that key out.

    Every attempt is counted atomically *before* the password is checked (``attempt``), so a
    burst of parallel guesses cannot all be verified: at most ``threshold`` attempts per key are
    in flight or answered per lockout, the rest are refused at once. A failure leaves its count
    (``failed`` starts the lockout once a key reached its threshold); a success takes its count
    back (``succeeded``). A lockout lasts ``base * 2**(n-1)`` seconds for the n-th lockout of
    the same key within a day, capped at ``maximum``. Attempts during a lockout are refused
    without being checked, so the right password does not get through either.
    """

    # KEYS: lock:ip, lock:acct, fail:ip, fail:acct. ARGV: ip and account thresholds, window.
    # Returns {ms until the locks end, 1 when a key is over its threshold (nothing counted),
    # this attempt's count per key}.
    _ATTEMPT = """
    local wait = math.max(redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]))
    if wait > 0 then return {wait, 0} end
    for i = 1, 2 do
      local count = tonumber(redis.call('GET', KEYS[i + 2]) or '0')
      if count >= tonumber(ARGV[i]) then return {0, 1} end
    end
    local counts = {}
    for i = 1, 2 do
      counts[i] = redis.call('INCR', KEYS[i + 2])
      redis.call('EXPIRE', KEYS[i + 2], ARGV[3])
    end
    return {0, 0, counts[1], counts[2]}
    """

    def __init__(self, redis: Redis, namespace: str, *, ip_threshold: int,
                 account_threshold: int, window: int, base: float, maximum: float) -> None:
        self.redis = redis
        self.ns = login_prefix(namespace)
        self.thresholds = {"ip": ip_threshold, "acct": account_threshold}
        self.window, self.base, self.maximum = window, base, maximum
        self._attempt = redis.register_script(self._ATTEMPT)

    def _keys(self, ip: str, account: str) -> dict[str, str]:
        return {"ip": ip, "acct": account}

    async def attempt(self, ip: str, account: str) -> tuple[float, tuple[int, int]]:
        """Count one attempt: the seconds to wait instead (0: go on and check the password),
        and this attempt's place in each count (hand it to ``failed``)."""
        keys = self._keys(ip, account)
        answer = await self._attempt(
            keys=[*(f"{self.ns}:lock:{k}:{v}" for k, v in keys.items()),
                  *(f"{self.ns}:fail:{k}:{v}" for k, v in keys.items())],
            args=[self.thresholds["ip"], self.thresholds["acct"], self.window])
        wait_ms, over = int(answer[0]), int(answer[1])
        if wait_ms > 0:
            return wait_ms / 1000, (0, 0)
        if over:
            return self.base, (0, 0)
        return 0.0, (int(answer[2]), int(answer[3]))

    async def failed(self, ip: str, account: str, places: tuple[int, int]) -> float:
        """The attempt failed; returns the lockout it started (0 when none). Only the attempt
        that reached a key's threshold starts its lockout (parallel ones below it are 401s)."""
        keys = self._keys(ip, account)
        longest = 0.0
        for (kind, value), place in zip(keys.items(), places, strict=True):
            if place != self.thresholds[kind]:
                continue
            n = await self.redis.incr(f"{self.ns}:lockouts:{kind}:{value}")
            await self.redis.expire(f"{self.ns}:lockouts:{kind}:{value}", 86400)
            seconds = min(self.base * 2 ** (int(n) - 1), self.maximum)
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(f"{self.ns}:lock:{kind}:{value}", "1", px=max(1, int(seconds * 1000)))
                pipe.delete(f"{self.ns}:fail:{kind}:{value}")
                await pipe.execute()
            longest = max(longest, seconds)
        return longest

    async def succeeded(self, ip: str, account: str) -> None:
        """A right password: the account starts afresh, the address gets its attempt back."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(f"{self.ns}:fail:acct:{account}")
            pipe.decr(f"{self.ns}:fail:ip:{ip}")
            left = (await pipe.execute())[1]
        if int(left) <= 0:  # the count had expired meanwhile: never go below zero
            await self.redis.delete(f"{self.ns}:fail:ip:{ip}")
