"""Viewer pages: a share link's branded player (``/v/<token>``) and its embed
(``/embed/<token>``, the one page other sites may frame). The token is the credential."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.errors import Gone, NotFound
from argus.platform.core.guards import public
from argus.platform.sharing.service import ShareService
from argus.platform.web.render import brand_context, page
from argus.tenants.context import TenantContext


class ViewerPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/v/{token:str}", opt=public())
    async def shared(self, request: Request, tenant: NamedDependency[TenantContext],
                     token: FromPath[str], db_session: NamedDependency[AsyncSession]) -> Template:
        return await self._share_page(request, tenant, token, db_session, embed=False)

    @get("/embed/{token:str}", opt=public())
    async def embed(self, request: Request, tenant: NamedDependency[TenantContext],
                    token: FromPath[str], db_session: NamedDependency[AsyncSession]) -> Template:
        return await self._share_page(request, tenant, token, db_session, embed=True)

    @staticmethod
    async def _share_page(request: Request, tenant: TenantContext, token: str,
                          session: AsyncSession, embed: bool) -> Template:
        try:
            share, camera = await ShareService(session).open(token)
        except (Gone, NotFound) as exc:
            return page(request, "expired.html", {
                **await brand_context(request, tenant), "embed": embed,
                "expired": isinstance(exc, Gone)}, exc.status_code, framable=embed)
        return page(request, "share.html", {
            **await brand_context(request, tenant), "camera": camera, "share": share,
            "token": token, "embed": embed}, framable=embed)


class UnknownPages(Controller):
    """Any other GET path on a tenant's host is a page that does not exist: the branded 404
    page, not the API's JSON (the API's own unknown paths stay JSON)."""

    path = "/"
    include_in_schema = False

    @get("/{path:path}", opt=public())
    async def unknown_page(self, path: FromPath[str]) -> None:
        raise NotFound("there is no such page", field="path", code="no_such_page")
