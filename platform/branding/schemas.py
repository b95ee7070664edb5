"""The wire shapes of brands and of the tenant's public profile."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import msgspec

from argus.branding.brands import BrandSettings


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
