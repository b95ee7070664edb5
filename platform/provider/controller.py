"""``/provider/v1/tenants``: provider ops create, inspect, suspend and delete tenants."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from argus.platform.core.di import Provided
from argus.platform.provider.schemas import TenantOut, TenantPage, TenantPatch, TenantPut
from argus.tenants.service import TenantService, TenantSpec

Service = Provided[TenantService]


class ProviderTenantController(Controller):
    path = "/tenants"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @put("/{slug:str}", summary="Create or update a tenant (idempotent)", status_code=200)
    async def put_tenant(self, slug: FromPath[str], data: JSONBody[TenantPut],
                         tenant_service: Service) -> Response[TenantOut]:
        tenant, created = await tenant_service.put(
            slug, TenantSpec(name=data.name, plan=data.plan, domains=data.domains,
                             db_cluster=data.db_cluster, api_rate_limit=data.api_rate_limit))
        return Response(TenantOut.of(tenant), status_code=201 if created else 200)

    @get("/{slug:str}", summary="Show a tenant")
    async def get_tenant(self, slug: FromPath[str], tenant_service: Service) -> TenantOut:
        return TenantOut.of(await tenant_service.get(slug))

    @get("/", summary="List tenants (cursor pagination, ordered by slug)")
    async def list_tenants(
        self,
        tenant_service: Service,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
    ) -> TenantPage:
        items, next_cursor = await tenant_service.list(cursor, limit, state_filter)
        return TenantPage(items=[TenantOut.of(t) for t in items], next_cursor=next_cursor)

    @patch("/{slug:str}", summary="Change a tenant's state (active/suspended), name or plan")
    async def patch_tenant(self, slug: FromPath[str], data: JSONBody[TenantPatch],
                           tenant_service: Service) -> TenantOut:
        return TenantOut.of(await tenant_service.update(slug, name=data.name, plan=data.plan,
                                                        state=data.state,
                                                        api_rate_limit=data.api_rate_limit))

    @delete("/{slug:str}", summary="Delete a tenant: its schema, bucket and row")
    async def delete_tenant(self, slug: FromPath[str], tenant_service: Service) -> None:
        await tenant_service.delete(slug)
