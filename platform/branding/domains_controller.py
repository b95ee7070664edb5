"""``/api/v1/domains``: custom domains a tenant adds and verifies (``settings:read`` /
``settings:write``), and ``GET /internal/tls/allowed?domain=``: the "ask" endpoint of an
on-demand TLS issuer (Caddy's ``on_demand_tls ask``), 200 for verified domains only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from argus.branding.domains import WELL_KNOWN, DomainService, dns_record_name
from argus.platform.audit.service import Audit
from argus.platform.core.di import Provided
from argus.platform.core.guards import needs
from argus.tenants.context import TenantContext
from argus.tenants.models import TenantDomain


class DomainOut(msgspec.Struct):
    domain: str
    state: str
    source: str
    reason: str | None
    created_at: datetime
    checked_at: datetime | None
    verified_at: datetime | None
    verification: dict[str, Any] | None

    @classmethod
    def of(cls, row: TenantDomain) -> DomainOut:
        proof = None
        if row.source == "tenant" and row.token:
            proof = {"token": row.token,
                     "dns": {"type": "TXT", "name": dns_record_name(row.domain),
                             "value": row.token},
                     "http": {"url": f"http://{row.domain}{WELL_KNOWN}{row.token}",
                              "body": row.token}}
        return cls(domain=row.domain, state=row.state, source=row.source, reason=row.reason,
                   created_at=row.created_at, checked_at=row.checked_at,
                   verified_at=row.verified_at, verification=proof)


class DomainList(msgspec.Struct):
    items: list[DomainOut]


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
                         tenant: NamedDependency[TenantContext],
                         audit: NamedDependency[Audit]) -> Response[DomainOut]:
        row, created = await domains.add(tenant.id, data.get("domain"))
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
