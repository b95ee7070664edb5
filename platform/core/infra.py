"""``Infra``: the mechanisms any domain may use, built once per process — settings, the
databases, Redis, object storage and the job queues.

``argus.platform.services.Services`` extends it with the domains' own services; domain code
asks for ``Infra`` (or one piece of it), never for the whole ``Services``, so a domain never
depends on the layer that assembles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fields only: importing Infra loads no driver
    from redis.asyncio import Redis

    from argus.platform.core.db import Databases
    from argus.platform.core.jobs import Jobs
    from argus.platform.core.settings import Settings
    from argus.platform.core.storage import Storage


@dataclass(frozen=True, slots=True, kw_only=True)
class Infra:
    settings: Settings
    dbs: Databases
    redis: Redis
    storage: Storage
    jobs: Jobs

    async def close(self) -> None:
        await self.redis.aclose()
        await self.jobs.close()
        await self.dbs.dispose()
