"""``GET/PUT/PATCH /api/v1/branding``: the tenant's brand (``settings:read`` /
``settings:write``). The answer is the brand as shown (defaults filled in) and which fields the
tenant set; a field set to null goes back to the provider's default."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from argus.branding.brands import BrandSettings, BrandStore
from argus.platform.audit.service import Audit
from argus.platform.identity.guards import needs
from argus.tenants.context import TenantContext


class BrandOut(msgspec.Struct):
    product_name: str
    primary_color: str
    accent_color: str
    primary_text_color: str
    theme: str
    support_email: str | None
    support_url: str | None
    email_sender_name: str | None
    powered_by: bool
    customized: list[str]

    @classmethod
    def of(cls, brand: BrandSettings, stored: dict) -> BrandOut:
        return cls(**asdict(brand), customized=sorted(stored))


class BrandController(Controller):
    path = "/branding"
    tags = ["branding"]

    @get("/", opt=needs("settings:read"), summary="The tenant's brand, defaults filled in")
    async def get_brand(self, request: Request,
                        tenant: NamedDependency[TenantContext]) -> BrandOut:
        return BrandOut.of(*await BrandStore(request.app.state.dbs).get(tenant.id))

    @put("/", opt=needs("settings:write"),
         summary="Replace the brand (absent fields go back to the provider's default)")
    async def put_brand(self, request: Request, data: JSONBody[dict[str, Any]],
                        tenant: NamedDependency[TenantContext],
                        audit: NamedDependency[Audit]) -> BrandOut:
        return await self._save(request, data, tenant, audit, replace_all=True)

    @patch("/", opt=needs("settings:write"), summary="Change some brand fields (null: default)")
    async def patch_brand(self, request: Request, data: JSONBody[dict[str, Any]],
                          tenant: NamedDependency[TenantContext],
                          audit: NamedDependency[Audit]) -> BrandOut:
        return await self._save(request, data, tenant, audit, replace_all=False)

    @staticmethod
    async def _save(request: Request, data: dict, tenant: TenantContext, audit: Audit,
                    replace_all: bool) -> BrandOut:
        brand, stored = await BrandStore(request.app.state.dbs).update(
            tenant.id, tenant.plan, data, replace_all=replace_all)
        audit.record("branding.update", "tenant", tenant.id, detail={"set": stored})
        await audit.session.commit()
        return BrandOut.of(brand, stored)
