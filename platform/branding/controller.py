"""``GET /api/v1/tenant``: the tenant's public profile (its name and product name; no sign-in).

``GET/PUT/PATCH /api/v1/branding``: the tenant's brand (``settings:read`` /
``settings:write``). The answer is the brand as shown (defaults filled in) and which fields the
tenant set; a field set to null goes back to the provider's default.

``PUT/DELETE /api/v1/branding/logo`` and ``/favicon`` take the image as a multipart ``file``
field (browsers: with the ``X-CSRF-Token`` header) or as the raw body; ``GET`` on them is public
(the sign-in page shows the logo) and falls back to the provider's default image.

``/api/v1/domains``: custom domains a tenant adds and verifies; ``/internal/tls/allowed``:
Caddy's on-demand TLS ``ask`` (200 for verified domains only).
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from argus.billing.plans import Limits
from argus.branding.assets import check_image
from argus.branding.brands import BrandStore
from argus.branding.defaults import DEFAULT_FAVICON_SVG, DEFAULT_LOGO_SVG
from argus.branding.domains import DomainService
from argus.platform.audit.service import Audit
from argus.platform.branding.schemas import BrandOut, DomainList, DomainOut, TenantProfile
from argus.platform.core.di import Provided
from argus.platform.core.errors import Invalid
from argus.platform.core.guards import needs, public
from argus.platform.core.storage import Storage
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.branding")
Brands = Provided[BrandStore]
Files = Provided[Storage]


IMAGE_HEADERS = {
    # Even a sanitized SVG opened on its own may run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}
DEFAULT_IMAGES = {"logo": DEFAULT_LOGO_SVG, "favicon": DEFAULT_FAVICON_SVG}


async def read_upload(request: Request) -> bytes:
    """The uploaded file: a multipart ``file`` field, or the raw request body."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Invalid("send the image as the multipart field 'file'", field="file")
        return await upload.read()
    return await request.body()


class BrandController(Controller):
    path = "/branding"
    tags = ["branding"]

    @get("/", opt=needs("settings:read"), summary="The tenant's brand, defaults filled in")
    async def get_brand(self, brands: Brands,
                        tenant: NamedDependency[TenantContext]) -> BrandOut:
        return BrandOut.of(*await brands.get(tenant.id))

    @put("/", opt=needs("settings:write"),
         summary="Replace the brand (absent fields go back to the provider's default)")
    async def put_brand(self, brands: Brands, data: JSONBody[dict[str, Any]],
                        tenant: NamedDependency[TenantContext], audit: NamedDependency[Audit],
                        limits: NamedDependency[Limits]) -> BrandOut:
        return await self._save(brands, data, tenant, audit, limits, replace_all=True)

    @patch("/", opt=needs("settings:write"), summary="Change some brand fields (null: default)")
    async def patch_brand(self, brands: Brands, data: JSONBody[dict[str, Any]],
                          tenant: NamedDependency[TenantContext], audit: NamedDependency[Audit],
                          limits: NamedDependency[Limits]) -> BrandOut:
        return await self._save(brands, data, tenant, audit, limits, replace_all=False)

    @get("/logo", opt=public(), summary="The tenant's logo (the provider's default if unset)")
    async def logo(self, request: Request, tenant: NamedDependency[TenantContext],
                   brands: Brands, storage: Files) -> Response:
        return await self._image(request, brands, storage, tenant, "logo")

    @get("/favicon", opt=public(), summary="The tenant's favicon")
    async def favicon(self, request: Request, tenant: NamedDependency[TenantContext],
                      brands: Brands, storage: Files) -> Response:
        return await self._image(request, brands, storage, tenant, "favicon")

    @put("/logo", opt=needs("settings:write"),
         summary="Upload the logo (PNG, JPEG, WebP or sanitized SVG, at most 1 MB)")
    async def put_logo(self, request: Request, tenant: NamedDependency[TenantContext],
                       audit: NamedDependency[Audit],
                       brands: Brands, storage: Files) -> BrandOut:
        return await self._set_image(brands, storage, tenant, audit, "logo",
                                     await read_upload(request))

    @put("/favicon", opt=needs("settings:write"), summary="Upload the favicon")
    async def put_favicon(self, request: Request, tenant: NamedDependency[TenantContext],
                          audit: NamedDependency[Audit],
                       brands: Brands, storage: Files) -> BrandOut:
        return await self._set_image(brands, storage, tenant, audit, "favicon",
                                     await read_upload(request))

    @delete("/logo", opt=needs("settings:write"), status_code=200,
            summary="Back to the provider's logo")
    async def delete_logo(self, request: Request, tenant: NamedDependency[TenantContext],
                          audit: NamedDependency[Audit],
                       brands: Brands, storage: Files) -> BrandOut:
        return await self._set_image(brands, storage, tenant, audit, "logo", None)

    @delete("/favicon", opt=needs("settings:write"), status_code=200,
            summary="Back to the provider's favicon")
    async def delete_favicon(self, request: Request, tenant: NamedDependency[TenantContext],
                             audit: NamedDependency[Audit],
                       brands: Brands, storage: Files) -> BrandOut:
        return await self._set_image(brands, storage, tenant, audit, "favicon", None)

    @staticmethod
    async def _image(request: Request, brands: BrandStore, storage: Storage,
                     tenant: TenantContext, kind: str) -> Response:
        _, stored = await brands.get(tenant.id)
        meta = stored.get(kind)
        cache = "public, max-age=31536000, immutable" if request.query_params.get("v") \
            else "public, max-age=300"
        if meta is not None:
            try:
                data = await storage.get(tenant.bucket, meta["key"])
            except FileNotFoundError:  # the object is gone (restored bucket): show the default
                log.warning("branding.image_missing", tenant=tenant.slug, key=meta["key"])
            else:
                return Response(data, media_type=meta["content_type"],
                                headers={**IMAGE_HEADERS, "Cache-Control": cache})
        return Response(DEFAULT_IMAGES[kind], media_type="image/svg+xml",
                        headers={**IMAGE_HEADERS, "Cache-Control": "public, max-age=300"})

    @staticmethod
    async def _set_image(brands: BrandStore, storage: Storage, tenant: TenantContext,
                         audit: Audit, kind: str, data: bytes | None) -> BrandOut:
        image = check_image(data) if data is not None else None
        await brands.set_image(tenant.id, tenant.bucket, storage, kind, image)
        audit.record(f"branding.{kind}", "tenant", tenant.id,
                     detail={"content_type": image.content_type if image else None,
                             "bytes": len(image.data) if image else 0})
        await audit.session.commit()
        return BrandOut.of(*await brands.get(tenant.id))

    @staticmethod
    async def _save(brands: BrandStore, data: dict, tenant: TenantContext, audit: Audit,
                    limits: Limits, replace_all: bool) -> BrandOut:
        brand, stored = await brands.update(tenant.id, limits, data, replace_all=replace_all)
        audit.record("branding.update", "tenant", tenant.id, detail={"set": stored})
        await audit.session.commit()
        return BrandOut.of(brand, stored)


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


Domains = Provided[DomainService]


class DomainController(Controller):
    path = "/domains"
    tags = ["domains"]

    @get("/", opt=needs("settings:read"), summary="The tenant's domains and their state")
    async def list_domains(self, domains: Domains,
                           tenant: NamedDependency[TenantContext]) -> DomainList:
        return DomainList([DomainOut.of(r) for r in await domains.list(tenant.id)])

    @post("/", opt=needs("settings:write"),
          summary="Add a domain: answers the token to publish (TXT or well-known URL)")
    async def add_domain(self, domains: Domains, data: JSONBody[dict[str, Any]],
                         tenant: NamedDependency[TenantContext], audit: NamedDependency[Audit],
                         limits: NamedDependency[Limits]) -> Response[DomainOut]:
        row, created = await domains.add(tenant.id, data.get("domain"), limits)
        if created:
            audit.record("domain.add", "domain", row.domain)
            await audit.session.commit()
        return Response(DomainOut.of(row), status_code=201 if created else 200)

    @get("/{domain:str}", opt=needs("settings:read"), summary="One domain")
    async def get_domain(self, domains: Domains, domain: FromPath[str],
                         tenant: NamedDependency[TenantContext]) -> DomainOut:
        return DomainOut.of(await domains.get(tenant.id, domain))

    @post("/{domain:str}/verify", opt=needs("settings:write"), status_code=200,
          summary="Check the TXT record, then the well-known URL; verified or failed")
    async def verify_domain(self, domains: Domains, domain: FromPath[str],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit]) -> DomainOut:
        row = await domains.verify(tenant.id, domain, tenant.slug)
        audit.record("domain.verify", "domain", row.domain,
                     detail={"state": row.state, "reason": row.reason})
        await audit.session.commit()
        return DomainOut.of(row)

    @delete("/{domain:str}", opt=needs("settings:write"), summary="Remove a domain")
    async def delete_domain(self, domains: Domains, domain: FromPath[str],
                            tenant: NamedDependency[TenantContext],
                            audit: NamedDependency[Audit]) -> None:
        await domains.delete(tenant.id, domain, tenant.slug)
        audit.record("domain.delete", "domain", domain.lower())
        await audit.session.commit()


class TlsAskController(Controller):
    path = "/internal/tls"
    include_in_schema = False

    @get("/allowed")
    async def allowed(self, domains: Domains, domain: FromQuery[str] = "") -> Response:
        ok = await domains.allowed_for_tls(domain)
        return Response({"allowed": ok}, status_code=200 if ok else 404)
