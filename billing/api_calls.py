"""``api_calls``: calls per tenant, caller kind (user or token) and caller, harvested from the
API rate-limit counters in Redis once their window has closed.

Each counter (``<ns>:rl:api:<tenant>:<kind>:<actor>:<window number>``) outlives its window by
``argus.platform.core.ratelimit.KEEP_AFTER_WINDOW`` seconds; the minutely harvest reads closed
windows (``SETTLE`` seconds after their end, when no replica's batched count can still land),
appends one ledger row per counter (key ``<kind>:<actor>:<window start>``, the count in
``seconds`` as the row's quantity), then deletes the counters it wrote. A crash between the
two leaves the counters for the next harvest, whose rows are already in the ledger: every
window once."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from redis.asyncio import Redis

from argus.billing.ledger import append_events
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.keys import rate_prefix

METER = "api_calls"
SETTLE = 5
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_COUNTER = re.compile(rf"^(?P<tenant>{_UUID}):(?P<kind>[a-z_]+):(?P<actor>[A-Za-z0-9_-]+):"
                      r"(?P<window>\d+)$")


async def harvest_api_calls(dbs: Databases, redis: Redis, control_schema: str, window: int,
                            now: float | None = None, batch: int = 1000) -> int:
    """Move every closed window's counts into the ledger; calls harvested."""
    now = time.time() if now is None else now
    prefix = f"{rate_prefix(control_schema)}:api:"
    names: list[str] = []
    async for name in redis.scan_iter(match=f"{prefix}*", count=1000):
        match = _COUNTER.match(name[len(prefix):])
        if match and (int(match["window"]) + 1) * window + SETTLE <= now:
            names.append(name)
    harvested = 0
    for start in range(0, len(names), batch):
        part = names[start:start + batch]
        counts = await redis.mget(part)
        rows = []
        for name, count in zip(part, counts, strict=True):
            if count is None:
                continue
            match = _COUNTER.match(name[len(prefix):])
            assert match is not None
            began = int(match["window"]) * window
            rows.append({"tenant_id": match["tenant"], "meter": METER,
                         "idempotency_key": f"{match['kind']}:{match['actor']}:{began}",
                         "day": datetime.fromtimestamp(began, UTC).date(),
                         "seconds": float(count), "bytes": 0, "created_at": utcnow()})
            harvested += int(count)
        if rows:
            async with dbs.control_session() as control:
                await append_events(control, rows)
                await control.commit()
        await redis.delete(*part)
    return harvested
