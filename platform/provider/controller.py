"""``/provider/v1/tenants``: provider ops create, inspect, suspend and delete tenants.

``/provider/v1/ingest-nodes``: the fleet of ingest nodes with load and health (``problems``
is what a node's agent last found wrong, ``null`` when healthy); ``PATCH`` drains a node or
takes it back (``NodePatch``).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import Databases, utcnow
from argus.platform.core.di import Provided
from argus.platform.core.errors import NotFound
from argus.platform.ingest.models import CameraPlacement, IngestNode
from argus.platform.ingest.nodes import NodeSpec, change_node, register_node, remove_node
from argus.platform.ingest.placement import NODE_ALIVE
from argus.platform.provider.schemas import (
    NodeCreate,
    NodeCreated,
    NodeList,
    NodeOut,
    NodePatch,
    TenantOut,
    TenantPage,
    TenantPatch,
    TenantPut,
)
from argus.tenants.service import TenantService, TenantSpec

Service = Provided[TenantService]
log = structlog.get_logger("argus.provider")


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


class ProviderNodeController(Controller):
    path = "/ingest-nodes"
    tags = ["provider"]
    security = [{"providerKey": []}]

    @get("/", summary="Ingest nodes with load and health")
    async def list_nodes(self, dbs: Provided[Databases]) -> NodeList:
        async with dbs.control_session() as session:
            nodes = list(await session.scalars(select(IngestNode).order_by(IngestNode.id)))
            placed = await _placed(session)
        return NodeList([_node_out(n, placed) for n in nodes])

    @post("/", summary="Register an ingest node; its secret is in the answer, once")
    async def create_node(self, data: JSONBody[NodeCreate],
                          dbs: Provided[Databases]) -> NodeCreated:
        async with dbs.control_session() as session:
            secret = await register_node(session, data.id, NodeSpec(
                rtmp_url=data.rtmp_url, hls_url=data.hls_url, capacity=data.capacity,
                state=data.state))
            node = await session.get(IngestNode, data.id)
            assert node is not None
            log.warning("ingest.node_registered", node=data.id)
            return NodeCreated(_node_out(node, await _placed(session)), secret)

    @get("/{node_id:str}", summary="One ingest node")
    async def get_node(self, node_id: FromPath[str], dbs: Provided[Databases]) -> NodeOut:
        async with dbs.control_session() as session:
            node = await session.get(IngestNode, node_id)
            if node is None:
                raise NotFound(f"no ingest node {node_id!r}", field="id", code="unknown_node")
            return _node_out(node, await _placed(session))

    @patch("/{node_id:str}", summary="Drain an ingest node or make it active again; change its "
                                     "URLs or capacity")
    async def patch_node(self, node_id: FromPath[str], data: JSONBody[NodePatch],
                         dbs: Provided[Databases]) -> NodeOut:
        async with dbs.control_session() as session:
            node = await change_node(session, node_id, NodeSpec(
                rtmp_url=data.rtmp_url, hls_url=data.hls_url, capacity=data.capacity,
                state=data.state))
            log.warning("ingest.node_changed", node=node_id, state=node.state)
            return _node_out(node, await _placed(session))

    @delete("/{node_id:str}", summary="Remove an ingest node without live streams (its "
                                      "cameras are placed elsewhere)")
    async def delete_node(self, node_id: FromPath[str], dbs: Provided[Databases]) -> None:
        async with dbs.control_session() as session:
            await remove_node(session, node_id)
        log.warning("ingest.node_removed", node=node_id)


async def _placed(session: AsyncSession) -> dict[str, int]:
    return dict((await session.execute(
        select(CameraPlacement.node_id, func.count()).group_by(CameraPlacement.node_id))).all())


def _node_out(n: IngestNode, placed: dict[str, int]) -> NodeOut:
    live = bool(n.last_heartbeat_at and n.last_heartbeat_at > utcnow() - NODE_ALIVE)
    return NodeOut(n.id, n.state, live, n.rtmp_url, n.hls_url, n.capacity, placed.get(n.id, 0),
                   n.live_streams or 0, n.last_heartbeat_at, n.problems)
