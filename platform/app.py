"""``create_app(settings)``: the control plane as one Litestar app.

Routes: ``/api/v1`` (tenant API, host-resolved), ``/provider/v1`` (provider API, provider host),
``/healthz`` and ``/readyz``; the OpenAPI schema is served at ``/schema``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import structlog
from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from argus.branding.brands import BrandStore
from argus.branding.domains import DomainChecker, DomainService
from argus.platform.audit.controller import AuditLogController
from argus.platform.branding.controller import BrandController
from argus.platform.branding.domains_controller import DomainController, TlsAskController
from argus.platform.cameras.controller import CameraController
from argus.platform.core.db import Databases
from argus.platform.core.errors import EXCEPTION_HANDLERS
from argus.platform.core.forwarded import ForwardedMiddleware
from argus.platform.core.jobs import Jobs
from argus.platform.core.logging import configure_logging
from argus.platform.core.mail import Mailer
from argus.platform.core.netaddr import parse_networks
from argus.platform.core.redis import redis_client
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings
from argus.platform.core.storage import storage_from_settings
from argus.platform.events.controller import events
from argus.platform.events.hub import EventHub, SocketSlots
from argus.platform.identity.controllers import (
    ApiTokensController,
    AuthController,
    MeController,
    UsersController,
)
from argus.platform.identity.dependencies import IDENTITY_DEPENDENCIES
from argus.platform.identity.guards import require_permission
from argus.platform.identity.middleware import TenantAuthMiddleware
from argus.platform.identity.state import Identity
from argus.platform.ingest.controller import RtmpCallbackController
from argus.platform.ingest.live import drop_tenant_publishers
from argus.platform.observability import HealthController, RequestLogMiddleware
from argus.platform.provider import ProviderNodeController, ProviderTenantController
from argus.platform.recordings.controller import (
    CameraRecordingController,
    ClipController,
    RecordingController,
)
from argus.platform.sharing.controller import CameraShareController, ShareController
from argus.platform.streaming.controller import StreamingController
from argus.platform.tenancy import TENANT_DEPENDENCIES, TenantProfileController
from argus.platform.tenancy.settings_controller import TenantSettingsController
from argus.platform.web import web_handlers
from argus.platform.web.render import template_config
from argus.tenants.resolution import TenantResolver, publish_tenant_changed
from argus.tenants.service import TenantService

log = structlog.get_logger("argus.app")


def build_state(settings: Settings) -> dict[str, Any]:
    """The shared services every handler, job and CLI command uses."""
    dbs = Databases(settings.database)
    redis = redis_client(settings.redis.url)
    storage = storage_from_settings(settings.storage)
    resolver = TenantResolver(settings.http, dbs)
    brands = BrandStore(dbs)

    async def brand_of(tenant_id: str):
        return (await brands.get(tenant_id))[0]

    async def notify(slug: str) -> None:
        resolver.invalidate()  # this process at once; the others through Redis
        await publish_tenant_changed(redis, settings.database.control_schema, slug)

    state: dict[str, Any] = {}

    async def stop_streams(tenant_id: str) -> None:
        await drop_tenant_publishers(state, tenant_id)

    state.update({
        "event_hub": EventHub(redis, settings.database.control_schema),
        "socket_slots": SocketSlots(redis, settings.database.control_schema,
                                    settings.events.max_per_user, settings.events.max_per_tenant),
        "identity": Identity(settings, redis),
        "jobs": Jobs(settings),
        "mailer": Mailer(settings.mail, brand_of=brand_of),
        "settings": settings,
        "dbs": dbs,
        "redis": redis,
        "storage": storage,
        "resolver": resolver,
        "tenant_service": TenantService(settings, dbs, storage, notify, stop_streams),
        "domains": DomainService(dbs, DomainChecker(settings.domains), notify,
                                 settings.http.base_domain),
    })
    return state


async def close_state(state: State | dict[str, Any]) -> None:
    await state["event_hub"].close()
    await state["redis"].aclose()
    await state["jobs"].close()
    await state["dbs"].dispose()


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    state = app.state
    tasks = [asyncio.create_task(job, name=name) for name, job in zip(
        ("tenant-cache", "revocations", "rate-counter"), (
        state.resolver.listen(state.redis, state.settings.database.control_schema),
        *state.identity.background()), strict=True)]
    try:
        yield
    finally:
        await stop_tasks(tasks)
        await close_state(state)


async def stop_tasks(tasks: list[asyncio.Task], timeout: float = 10.0) -> None:
    """Cancel background tasks and wait for them; one that does not stop in time is logged
    with where it hangs (a shutdown never waits forever)."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        log.error("app.task_did_not_stop", task=task.get_name(),
                  stack=[repr(frame) for frame in task.get_stack()])
    for task in done:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _provide_tenant_service(request: Request) -> TenantService:
    return request.app.state.tenant_service


def create_app(settings: Settings, extra_route_handlers: Sequence[Any] = (),
               extra_tenant_handlers: Sequence[Any] = ()) -> Litestar:
    """Build the app. ``extra_*`` let benchmarks and tests mount routes of their own."""
    configure_logging(settings.log_json, settings.log_level)
    if not settings.auth.jwt_secrets:
        raise ValueError("ARGUS_JWT_SECRETS is not set: tenant sign-in needs a signing key")
    tenant_api = Router(
        "/api/v1",
        route_handlers=[TenantProfileController, AuthController, MeController, UsersController,
                        ApiTokensController, AuditLogController, TenantSettingsController,
                        CameraController, StreamingController, RecordingController,
                        CameraRecordingController, ClipController, BrandController,
                        DomainController, CameraShareController, ShareController, events,
                        *extra_tenant_handlers],
        dependencies={**TENANT_DEPENDENCIES, **IDENTITY_DEPENDENCIES},
        middleware=[TenantAuthMiddleware()],
        guards=[require_permission],
        request_max_body_size=2 * 1024 * 1024,
    )
    provider_api = Router("/provider/v1",
                          route_handlers=[ProviderTenantController, ProviderNodeController],
                          dependencies={"tenant_service": Provide(_provide_tenant_service,
                                                                  sync_to_thread=False)})
    return Litestar(
        route_handlers=[HealthController, tenant_api, provider_api, RtmpCallbackController,
                        TlsAskController,
                        *web_handlers({**TENANT_DEPENDENCIES, **IDENTITY_DEPENDENCIES}),
                        *extra_route_handlers],
        template_config=template_config(),
        state=State(build_state(settings)),
        lifespan=[_lifespan],
        middleware=[ForwardedMiddleware(parse_networks(settings.auth.trusted_proxies)),
                    RequestLogMiddleware()],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Argus", version="1",
            components=Components(security_schemes={
                "providerKey": SecurityScheme(type="http", scheme="bearer"),
            }),
        ),
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """ASGI factory for uvicorn (``argus serve``): settings from the environment."""
    app = create_app(Settings.from_env())
    tune_gc()
    return app
