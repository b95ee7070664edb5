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
