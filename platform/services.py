"""``Services``: everything a process shares, built once from the settings — by the app
factory, the workers, the node agent, the CLI and the benchmarks alike.

It is ``Infra`` (settings, databases, Redis, storage, job queues) plus the domains' services.
Route handlers receive its fields by name through Litestar dependencies (``dependencies()``);
middleware and guards get theirs when the app is built; jobs read ``services_of(ctx)``.
Domain code takes ``Infra`` or single pieces, never ``Services`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from litestar.di import Provide

from argus.billing.plans import DEFAULT_PLAN, validate_plan
from argus.branding.brands import BrandSettings, BrandStore
from argus.branding.domains import DomainChecker, DomainService
from argus.platform.core.db import Databases
from argus.platform.core.infra import Infra
from argus.platform.core.jobs import Jobs
from argus.platform.core.mail import Mailer
from argus.platform.core.redis import redis_client
from argus.platform.core.settings import Settings
from argus.platform.core.storage import storage_from_settings
from argus.platform.events.hub import EventHub, SocketSlots
from argus.platform.identity.state import Identity
from argus.platform.ingest.callbacks import StreamStatus
from argus.platform.ingest.live import drop_tenant_publishers
from argus.platform.models import load_models
from argus.tenants.resolution import TenantResolver, publish_tenant_changed
from argus.tenants.service import Plans, TenantService

CTX_KEY = "services"  # where a worker's arq ctx keeps them
PLANS = Plans(default=DEFAULT_PLAN, check=validate_plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services(Infra):
    resolver: TenantResolver
    tenant_service: TenantService
    domains: DomainService
    brands: BrandStore
    mailer: Mailer
    identity: Identity
    event_hub: EventHub
    socket_slots: SocketSlots
    stream_status: StreamStatus

    @classmethod
    def build(cls, settings: Settings) -> Services:
        load_models()  # every table known: tenant deletion clears each one with a tenant_id
        dbs = Databases(settings.database)
        redis = redis_client(settings.redis.url)
        storage = storage_from_settings(settings.storage)
        jobs = Jobs(settings)
        infra = Infra(settings=settings, dbs=dbs, redis=redis, storage=storage, jobs=jobs)
        control = settings.database.control_schema
        resolver = TenantResolver(settings.http, dbs)
        brands = BrandStore(dbs)
        identity = Identity(settings, redis)

        async def brand_of(tenant_id: str) -> BrandSettings:
            return (await brands.get(tenant_id))[0]

        async def notify(slug: str) -> None:
            resolver.invalidate()  # this process at once; the others through Redis
            await publish_tenant_changed(redis, control, slug)

        async def stop_streams(tenant_id: str) -> None:
            await drop_tenant_publishers(infra, tenant_id)

        return cls(
            settings=settings, dbs=dbs, redis=redis, storage=storage, jobs=jobs,
            resolver=resolver, brands=brands, identity=identity,
            tenant_service=TenantService(settings, dbs, storage, PLANS, notify, stop_streams),
            domains=DomainService(dbs, DomainChecker(settings.domains), notify,
                                  settings.http.base_domain),
            mailer=Mailer(settings.mail, brand_of=brand_of),
            event_hub=EventHub(redis, control),
            socket_slots=SocketSlots(redis, control, settings.events.max_per_user,
                                     settings.events.max_per_tenant),
            stream_status=StreamStatus(infra, identity, resolver),
        )

    async def close(self) -> None:
        await self.event_hub.close()
        await Infra.close(self)

    def dependencies(self) -> dict[str, Provide]:
        """Every field as a Litestar dependency of the same name (``infra`` for the bundle)."""
        provided: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        provided["infra"] = self
        return {name: Provide(_constant(value), use_cache=True, sync_to_thread=False)
                for name, value in provided.items()}


def _constant(value: Any) -> Any:
    def provide() -> Any:
        return value

    provide.__annotations__["return"] = type(value)
    return provide


def services_of(holder: Mapping[str, Any]) -> Services:
    """The services in an arq job's ``ctx`` (or the app state that holds them)."""
    services = holder[CTX_KEY]
    if not isinstance(services, Services):
        raise TypeError("no Services here: was the worker started by worker_settings()?")
    return services
