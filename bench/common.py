"""Helpers the benchmarks share: CPU time from /proc, free ports, their own schemas dropped.

Benchmarks are run as scripts (``python bench/<name>/run.py``); they put ``bench/`` on
``sys.path`` to import this.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from argus.platform.core.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """CPU time of a live process from ``/proc/<pid>/stat`` (deltas of it measure a window;
    ``ps`` lifetime averages do not); ``children`` adds its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of a live process (``VmRSS``), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children first, then theirs)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop(0)
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(k) for k in kids]
        queue += [int(k) for k in kids]
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drop_schemas(settings: Settings, *names: str) -> None:
    """Drop these databases (a benchmark's control and tenant schemas) if they exist."""
    engine = create_async_engine(settings.database.clusters[settings.database.control_cluster])
    async with engine.connect() as conn:
        for name in names:
            await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    await engine.dispose()
