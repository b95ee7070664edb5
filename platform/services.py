"""``Services``: everything a process shares, built once from the settings — by the app
factory, the workers, the node agent, the CLI and the benchmarks alike.

It is ``Infra`` (settings, databases, Redis, storage, job queues) plus the domains' services.
Route handlers receive its fields by name through Litestar dependencies (``dependencies()``);
middleware and guards get theirs when the app is built; jobs read ``services_of(ctx)``.
Domain code takes ``Infra`` or single pieces, never ``Services`` itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from argus.platform.core.db import Databases
from argus.platform.core.infra import Infra
from argus.platform.core.settings import Settings
from argus.platform.core.storage import storage_from_settings

if TYPE_CHECKING:  # imported when built: a command that needs one service pays for that one
    from litestar.di import Provide

    from argus.billing.plans import PlanBook
    from argus.branding.brands import BrandStore
    from argus.branding.domains import DomainService
    from argus.platform.core.mail import Mailer
    from argus.platform.events.hub import EventHub, SocketSlots
    from argus.platform.identity.state import Identity
    from argus.platform.ingest.service import StreamStatus
    from argus.platform.observability.snapshot import Snapshot
    from argus.tenants.resolution import TenantResolver
    from argus.tenants.service import Plans, TenantService

CTX_KEY = "services"  # where a worker's arq ctx keeps them


def build_infra(settings: Settings) -> Infra:
    from argus.platform.core.jobs import Jobs
    from argus.platform.core.redis import redis_client

    return Infra(settings=settings, dbs=Databases(settings.database),
                 redis=redis_client(settings.redis.url),
                 storage=storage_from_settings(settings.storage), jobs=Jobs(settings))


def build_tenant_service(infra: Infra, notify: Callable[[str], Awaitable[None]]
                         ) -> TenantService:
    """Tenants as the provider manages them, with billing's plans; suspension and deletion
    drop the tenant's live publishers."""
    from argus.tenants.service import TenantService

    async def stop_streams(tenant_id: str) -> None:
        from argus.platform.ingest.jobs import drop_tenant_publishers

        await drop_tenant_publishers(infra, tenant_id)

    return TenantService(infra.settings, infra.dbs, infra.storage,
                         _plans(), notify, stop_streams)


def tenant_reader(settings: Settings) -> TenantService:
    """A tenant service for reads only (no Redis, nobody to notify): listing and showing."""
    from argus.tenants.service import TenantService

    return TenantService(settings, Databases(settings.database),
                         storage_from_settings(settings.storage), _plans())


def _plans() -> Plans:
    from argus.billing.plans import DEFAULT_PLAN, check_plan, record_plan
    from argus.tenants.service import Plans

    return Plans(default=DEFAULT_PLAN, check=check_plan, record=record_plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services(Infra):
    resolver: TenantResolver
    tenant_service: TenantService
    plans: PlanBook
    domains: DomainService
    brands: BrandStore
    mailer: Mailer
    identity: Identity
    event_hub: EventHub
    socket_slots: SocketSlots
    stream_status: StreamStatus
    snapshot: Snapshot  # the deployment-wide metrics, read at scrape time

    @classmethod
    def build(cls, settings: Settings) -> Services:
        from argus.billing.plans import PlanBook
        from argus.branding.brands import BrandSettings, BrandStore
        from argus.branding.domains import DomainChecker, DomainService
        from argus.platform.core.mail import Mailer
        from argus.platform.events.hub import EventHub, SocketSlots
        from argus.platform.identity.state import Identity
        from argus.platform.ingest.service import StreamStatus
        from argus.platform.models import load_models
        from argus.platform.observability.snapshot import Snapshot
        from argus.tenants.resolution import TenantResolver, publish_tenant_changed

        load_models()  # every table known: tenant deletion clears each one with a tenant_id
        infra = build_infra(settings)
        control = settings.database.control_schema
        resolver = TenantResolver(settings.http, infra.dbs)
        brands = BrandStore(infra.dbs)
        identity = Identity(settings, infra.redis)
        plans = PlanBook(infra.dbs)

        async def brand_of(tenant_id: str) -> BrandSettings:
            return (await brands.get(tenant_id))[0]

        async def notify(slug: str) -> None:
            resolver.invalidate()  # this process at once; the others through Redis
            await publish_tenant_changed(infra.redis, control, slug)

        return cls(
            settings=settings, dbs=infra.dbs, redis=infra.redis, storage=infra.storage,
            jobs=infra.jobs, resolver=resolver, brands=brands, identity=identity,
            tenant_service=build_tenant_service(infra, notify), plans=plans,
            domains=DomainService(infra.dbs, DomainChecker(settings.domains), notify,
                                  settings.http.base_domain),
            mailer=Mailer(settings.mail, brand_of=brand_of),
            event_hub=EventHub(infra.redis, control),
            socket_slots=SocketSlots(infra.redis, control, settings.events.max_per_user,
                                     settings.events.max_per_tenant),
            stream_status=StreamStatus(infra, identity, resolver, plans),
            snapshot=Snapshot(infra, settings.metrics.tenant_series),
        )

    async def close(self) -> None:
        await self.event_hub.close()
        await Infra.close(self)

    def dependencies(self) -> dict[str, Provide]:
        """Every field as a Litestar dependency of the same name (``infra`` for the bundle)."""
        from litestar.di import Provide

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
