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
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from argus.platform.alerts.controller import (
    IncidentController,
    NotificationController,
    NotificationRuleController,
)
from argus.platform.analytics.controller import AnalyticsController
from argus.platform.audit.controller import AuditLogController
from argus.platform.billing.dependencies import BILLING_DEPENDENCIES
from argus.platform.billing.invoices import ProviderInvoiceController
from argus.platform.billing.provider import ProviderPlanController, ProviderUsageController
from argus.platform.billing.tenant import BillingController
from argus.platform.branding.controller import (
    BrandController,
    DomainController,
    TenantProfileController,
    TlsAskController,
)
from argus.platform.cameras.controller import CameraController
from argus.platform.core.error_handlers import EXCEPTION_HANDLERS
from argus.platform.core.forwarded import ForwardedMiddleware
from argus.platform.core.guards import require_permission
from argus.platform.core.logging import configure_logging
from argus.platform.core.netaddr import parse_networks
from argus.platform.core.runtime import tune_gc
from argus.platform.core.settings import Settings
from argus.platform.events.controller import events
from argus.platform.identity.controller import (
    AccessSettingsController,
    ApiTokensController,
    AuthController,
    MeController,
    UsersController,
)
from argus.platform.identity.dependencies import IDENTITY_DEPENDENCIES
from argus.platform.identity.middleware import TenantAuthMiddleware
from argus.platform.ingest.controller import RtmpCallbackController, node_guard
from argus.platform.observability import HealthController, RequestLogMiddleware
from argus.platform.observability.metrics import metrics_controller
from argus.platform.provider.controller import ProviderNodeController, ProviderTenantController
from argus.platform.provider.guards import provider_guards
from argus.platform.provider.key_routes import ProviderKeyController
from argus.platform.recordings.controller import (
    CameraRecordingController,
    ClipController,
    RecordingController,
    RecordingSettingsController,
)
from argus.platform.services import CTX_KEY, Services, services_of
from argus.platform.sharing.controller import CameraShareController, ShareController
from argus.platform.streaming.controller import StreamingController
from argus.platform.web import web_handlers
from argus.platform.web.render import template_config
from argus.platform.webhooks.controller import WebhookController
from argus.tenants.requests import tenant_dependencies

log = structlog.get_logger("argus.app")


def services_of_app(app: Litestar) -> Services:
    """The services an app was built with (tests and benchmarks close them through this)."""
    return services_of(app.state)


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    services = services_of_app(app)
    tasks = [asyncio.create_task(job, name=name) for name, job in zip(
        ("tenant-cache", "revocations", "rate-counter", "tenant-calls"), (
        services.resolver.listen(services.redis, services.settings.database.control_schema),
        *services.identity.background()), strict=True)]
    try:
        yield
    finally:
        await stop_tasks(tasks)
        await services.close()


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


def create_app(settings: Settings, extra_route_handlers: Sequence[Any] = (),
               extra_tenant_handlers: Sequence[Any] = ()) -> Litestar:
    """Build the app. ``extra_*`` let benchmarks and tests mount routes of their own."""
    configure_logging(settings.log_json, settings.log_level)
    if not settings.auth.jwt_secrets:
        raise ValueError("ARGUS_JWT_SECRETS is not set: tenant sign-in needs a signing key")
    services = Services.build(settings)
    tenant_api = Router(
        "/api/v1",
        route_handlers=[TenantProfileController, AuthController, MeController, UsersController,
                        ApiTokensController, AuditLogController, BillingController,
                        AccessSettingsController,
                        RecordingSettingsController,
                        CameraController, StreamingController, RecordingController,
                        CameraRecordingController, ClipController, BrandController,
                        DomainController, CameraShareController, ShareController,
                        WebhookController, NotificationRuleController, IncidentController,
                        NotificationController, AnalyticsController, events,
                        *extra_tenant_handlers],
        dependencies={**tenant_dependencies(services.dbs), **IDENTITY_DEPENDENCIES,
                      **BILLING_DEPENDENCIES},
        middleware=[TenantAuthMiddleware(services.identity, services.dbs, services.resolver,
                                         services.plans)],
        guards=[require_permission],
        request_max_body_size=2 * 1024 * 1024,
    )
    provider_api = Router("/provider/v1",
                          route_handlers=[ProviderTenantController, ProviderNodeController,
                                          ProviderPlanController, ProviderUsageController,
                                          ProviderInvoiceController, ProviderKeyController],
                          guards=provider_guards(services.settings.http, services.dbs,
                                                 services.resolver))
    return Litestar(
        route_handlers=[HealthController,
                        metrics_controller(parse_networks(settings.metrics.allow)),
                        tenant_api, provider_api,
                        Router("/", route_handlers=[RtmpCallbackController],
                               guards=[node_guard(services.dbs)]),
                        TlsAskController,
                        *web_handlers({**tenant_dependencies(services.dbs),
                                       **IDENTITY_DEPENDENCIES, **BILLING_DEPENDENCIES},
                                      services),
                        *extra_route_handlers],
        template_config=template_config(),
        state=State({CTX_KEY: services}),
        dependencies=services.dependencies(),
        lifespan=[_lifespan],
        middleware=[ForwardedMiddleware(services.identity.trusted_proxies),
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
