"""A long-running child process restarted by an asyncio task (RTSP relays, ABR transcoders)."""

from __future__ import annotations

import asyncio
import contextlib


class Supervised:
    """Subclasses set ``self.task`` to their restart loop, which keeps ``self.proc`` current."""

    proc: asyncio.subprocess.Process | None = None
    task: asyncio.Task

    async def stop(self) -> None:
        """End the loop, then the process: SIGTERM, SIGKILL after 5 s."""
        self.task.cancel()
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
