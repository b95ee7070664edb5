"""The wire shapes of brands, custom domains and the tenant's public profile."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import msgspec

from argus.branding.brands import BrandSettings
from argus.branding.domains import WELL_KNOWN, dns_record_name
from argus.tenants.models import TenantDomain


def image_url(kind: str, stored: dict) -> str:
    version = (stored.get(kind) or {}).get("version", "default")
    return f"/api/v1/branding/{kind}?v={version}"


@dataclass(frozen=True)
class BrandOut(BrandSettings):
    """The brand as shown (``BrandSettings``), its image URLs, and the fields the tenant set."""

    logo_url: str
    favicon_url: str
    customized: list[str]

    @classmethod
    def of(cls, brand: BrandSettings, stored: dict) -> BrandOut:
        return cls(**asdict(brand), logo_url=image_url("logo", stored),
                   favicon_url=image_url("favicon", stored), customized=sorted(stored))


class TenantProfile(msgspec.Struct):
    id: str
    slug: str
    name: str
    product_name: str


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
