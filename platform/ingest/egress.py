"""``egress_bytes``: HLS bytes this node served, per camera and UTC day, from nginx's access log.

nginx writes one line per signed HLS request to ``log/egress.log`` (format ``argus_egress``:
``<unix time with ms> <internal name> <bytes sent> <status>``). Every heartbeat interval the
agent meters the next chunk of whole lines, exactly once:

1. The chunk's bounds ``(inode, start, end)`` go to Redis *before* anything is metered; a
   chunk still pending there at start-up (the agent died mid-way) is redone with exactly those
   bounds, so it yields the same keys and sums.
2. Per tenant, one outbox row per camera and day, keyed ``<node>:<inode>:<start>:<camera>:<day>``
   and inserted with ``IGNORE`` (a redo adds nothing; the ledger keeps each key once).
3. The offset moves to ``end`` and the pending chunk is cleared.

A recreated or truncated log (another inode, or shorter than the offset) is read from 0. Lines
of unknown tenants or cameras, of failed requests (status ≥ 400) or malformed lines are
skipped (and counted in the log line).
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import structlog
from redis.asyncio import Redis

from argus.billing.ledger import record_amounts
from argus.platform.core.db import Databases
from argus.platform.core.keys import egress_key
from argus.platform.ingest.names import INTERNAL_NAME
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.ingest.egress")
METER = "egress_bytes"
CHUNK_BYTES = 4 * 1024 * 1024

Sums = dict[tuple[str, str, date], int]  # (slug, camera id, day) -> bytes


def parse_lines(chunk: bytes) -> tuple[Sums, int]:
    """Bytes per (tenant slug, camera, UTC day) in whole lines, and how many were skipped."""
    sums: Sums = defaultdict(int)
    skipped = 0
    for raw in chunk.splitlines():
        parts = raw.decode(errors="replace").split()
        match = INTERNAL_NAME.match(parts[1]) if len(parts) == 4 else None
        try:
            at, size, status = float(parts[0]), int(parts[2]), int(parts[3])
        except (ValueError, IndexError):
            match = None
        if match is None:
            skipped += 1
            continue
        if status >= 400 or size <= 0:
            continue
        day = datetime.fromtimestamp(at, UTC).date()
        sums[(match["slug"], match["camera"], day)] += size
    return sums, skipped


class EgressMeter:
    def __init__(self, dbs: Databases, redis: Redis, control_schema: str, node_id: str,
                 log_path: Path, tenant_of) -> None:
        self.dbs, self.redis, self.node_id, self.path = dbs, redis, node_id, log_path
        self.key = egress_key(control_schema, node_id)
        self.tenant_of = tenant_of  # slug -> TenantContext | None (the agent's cache)

    async def tick(self) -> int:
        """Meter the pending chunk, or the next one; bytes metered."""
        state = await self.redis.hgetall(self.key)  # decode_responses: str
        if "pending_end" in state:
            inode, start, end = (int(state[k]) for k in ("pending_inode", "pending_start",
                                                          "pending_end"))
        else:
            bounds = self._next_chunk(int(state.get("inode", 0)), int(state.get("offset", 0)))
            if bounds is None:
                return 0
            inode, start, end = bounds
            await self.redis.hset(self.key, mapping={"pending_inode": inode,
                                                     "pending_start": start,
                                                     "pending_end": end})
        chunk = self._read(inode, start, end)
        metered = 0
        if chunk is not None:
            sums, skipped = parse_lines(chunk)
            metered = await self._record(inode, start, sums)
            if skipped:
                log.warning("egress.lines_skipped", node=self.node_id, skipped=skipped)
        await self.redis.hset(self.key, mapping={"inode": inode, "offset": end})
        await self.redis.hdel(self.key, "pending_inode", "pending_start", "pending_end")
        return metered

    def _next_chunk(self, inode: int, offset: int) -> tuple[int, int, int] | None:
        try:
            with self.path.open("rb") as f:
                now_inode, size = os.fstat(f.fileno()).st_ino, os.fstat(f.fileno()).st_size
                if now_inode != inode or size < offset:
                    inode, offset = now_inode, 0  # a new or truncated log
                f.seek(offset)
                data = f.read(CHUNK_BYTES)
        except FileNotFoundError:
            return None
        whole = data.rfind(b"\n") + 1
        return (inode, offset, offset + whole) if whole else None

    def _read(self, inode: int, start: int, end: int) -> bytes | None:
        """The chunk's bytes, if the log is still the file it was cut from."""
        try:
            with self.path.open("rb") as f:
                if os.fstat(f.fileno()).st_ino != inode:
                    log.warning("egress.chunk_lost", node=self.node_id, start=start, end=end)
                    return None
                f.seek(start)
                return f.read(end - start)
        except FileNotFoundError:
            return None

    async def _record(self, inode: int, start: int, sums: Sums) -> int:
        by_tenant: dict[str, list[tuple[str, date, int]]] = defaultdict(list)
        for (slug, camera, day), size in sums.items():
            by_tenant[slug].append((camera, day, size))
        metered = 0
        for slug, rows in by_tenant.items():
            tenant: TenantContext | None = await self.tenant_of(slug)
            if tenant is None:
                continue
            async with self.dbs.tenant_session(tenant) as session:
                await record_amounts(session, METER, [
                    (f"{self.node_id}:{inode}:{start}:{camera}:{day.isoformat()}", day, 0.0,
                     size) for camera, day, size in rows])
                await session.commit()
            metered += sum(size for _, _, size in rows)
        return metered
