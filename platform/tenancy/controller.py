"""``GET /api/v1/tenant``: the tenant's public profile (no authentication needed)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from argus.branding.brands import BrandStore
from argus.platform.core.infra import Provided
from argus.tenants.context import TenantContext


class TenantProfile(msgspec.Struct):
    id: str
    slug: str
    name: str
    product_name: str


class TenantProfileController(Controller):
    path = "/tenant"
    tags = ["tenant"]

    @get("/", opt={"public": True},
         summary="The public profile of the tenant this host belongs to")
    async def profile(self, brands: Provided[BrandStore],
                      tenant: NamedDependency[TenantContext]) -> TenantProfile:
        brand, _ = await brands.get(tenant.id)
        return TenantProfile(id=tenant.id, slug=tenant.slug, name=tenant.name,
                             product_name=brand.product_name)
