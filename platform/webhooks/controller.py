"""``/api/v1/webhooks``: a tenant's webhook endpoints (``webhooks:manage``, admins). The
secret is in the answer to create and rotate-secret only."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.core.di import Provided
from argus.platform.core.errors import ServiceUnavailable
from argus.platform.core.guards import needs
from argus.platform.core.infra import Infra
from argus.platform.core.settings import Settings
from argus.platform.webhooks.jobs import kick
from argus.platform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from argus.platform.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryPage,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    EndpointPatch,
    Recovered,
    RecoverIn,
    RotateIn,
)
from argus.platform.webhooks.service import WebhookService, deliveries
from argus.platform.webhooks.vault import Vault
from argus.tenants.context import TenantContext


def provide_webhooks(settings: Provided[Settings], db_session: NamedDependency[AsyncSession],
                     audit: NamedDependency[Audit]) -> WebhookService:
    if not settings.webhooks.keys:
        raise ServiceUnavailable("webhooks are not configured on this deployment "
                                 "(ARGUS_WEBHOOK_KEYS)", code="webhooks_unconfigured")
    return WebhookService(db_session, Vault(settings.webhooks.keys),
                          settings.webhooks.allow_private, audit)


def _out(row: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(row.id, row.url, row.description, row.event_types, row.enabled,
                       row.disabled_reason, row.previous_until, row.created_at, row.updated_at)


Service = NamedDependency[WebhookService]


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]
    dependencies = {"webhooks": Provide(provide_webhooks, sync_to_thread=False)}

    @post("/", opt=needs("webhooks:manage"),
          summary="Add an endpoint; its signing secret is in this answer only")
    async def create(self, data: JSONBody[EndpointIn], webhooks: Service
                     ) -> Response[EndpointCreated]:
        row, secret = await webhooks.create(data.url, data.description, data.event_types,
                                            data.enabled)
        return Response(EndpointCreated(_out(row), secret), status_code=201)

    @get("/", opt=needs("webhooks:manage"), summary="The tenant's endpoints (cursor)")
    async def list_all(self, webhooks: Service, cursor: FromQuery[str | None] = None,
                       limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50
                       ) -> EndpointPage:
        rows, next_cursor = await webhooks.list(cursor, limit)
        return EndpointPage([_out(r) for r in rows], next_cursor)

    @get("/{endpoint_id:str}", opt=needs("webhooks:manage"), summary="One endpoint")
    async def show(self, endpoint_id: FromPath[str], webhooks: Service) -> EndpointOut:
        return _out(await webhooks.get(endpoint_id))

    @patch("/{endpoint_id:str}", opt=needs("webhooks:manage"),
           summary="Change the URL, description, event filter or enabled")
    async def change(self, endpoint_id: FromPath[str], data: JSONBody[EndpointPatch],
                     webhooks: Service) -> EndpointOut:
        return _out(await webhooks.update(
            endpoint_id, url=data.url, description=data.description,
            event_types=data.event_types, all_events=data.all_events, enabled=data.enabled))

    @delete("/{endpoint_id:str}", opt=needs("webhooks:manage"), summary="Remove an endpoint")
    async def remove(self, endpoint_id: FromPath[str], webhooks: Service) -> None:
        await webhooks.delete(endpoint_id)

    @post("/{endpoint_id:str}/rotate-secret", opt=needs("webhooks:manage"), status_code=200,
          summary="A new secret; the old one keeps signing for grace_seconds (0: a leak)")
    async def rotate(self, endpoint_id: FromPath[str], data: JSONBody[RotateIn],
                     webhooks: Service) -> EndpointCreated:
        row, secret = await webhooks.rotate(endpoint_id, data.grace_seconds)
        return EndpointCreated(_out(row), secret)

    @post("/{endpoint_id:str}/test", opt=needs("webhooks:manage"), status_code=202,
          summary="Send a webhook.test event to this endpoint")
    async def test(self, endpoint_id: FromPath[str], webhooks: Service,
                   db_session: NamedDependency[AsyncSession],
                   tenant: NamedDependency[TenantContext], infra: Provided[Infra]
                   ) -> DeliveryOut:
        endpoint = await webhooks.queue_test(endpoint_id)
        await kick(infra.jobs, tenant.id, [endpoint.id])
        rows, _ = await deliveries(db_session, endpoint.id, None, 1)
        return _delivery_out(*rows[0])

    @get("/{endpoint_id:str}/deliveries", opt=needs("webhooks:manage"),
         summary="The endpoint's deliveries, newest first, with every attempt")
    async def delivery_log(self, endpoint_id: FromPath[str], webhooks: Service,
                           db_session: NamedDependency[AsyncSession],
                           cursor: FromQuery[str | None] = None,
                           limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20
                           ) -> DeliveryPage:
        endpoint = await webhooks.get(endpoint_id)
        rows, next_cursor = await deliveries(db_session, endpoint.id, cursor, limit)
        return DeliveryPage([_delivery_out(*row) for row in rows], next_cursor)

    @post("/{endpoint_id:str}/deliveries/{delivery_id:str}/resend", status_code=202,
          opt=needs("webhooks:manage"), summary="Send a delivery again (the same webhook-id)")
    async def resend_one(self, endpoint_id: FromPath[str], delivery_id: FromPath[str],
                         webhooks: Service, tenant: NamedDependency[TenantContext],
                         infra: Provided[Infra]
                         ) -> DeliveryOut:
        row = await webhooks.resend(endpoint_id, delivery_id)
        await kick(infra.jobs, tenant.id, [endpoint_id])
        return _delivery_out(row, [])

    @post("/{endpoint_id:str}/recover", status_code=202, opt=needs("webhooks:manage"),
          summary="Send again every delivery that failed since a time")
    async def recover(self, endpoint_id: FromPath[str], data: JSONBody[RecoverIn],
                      webhooks: Service, tenant: NamedDependency[TenantContext],
                      infra: Provided[Infra]) -> Recovered:
        count = await webhooks.recover(endpoint_id, data.since)
        if count:
            await kick(infra.jobs, tenant.id, [endpoint_id])
        return Recovered(count)


def _delivery_out(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryOut:
    return DeliveryOut(row.id, row.event_type, row.state, row.attempts, row.next_attempt_at,
                       row.last_status, row.created_at, row.delivered_at, row.body,
                       [AttemptOut(a.at, a.status_code, a.latency_ms, a.response, a.error)
                        for a in attempts])
