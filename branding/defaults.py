"""The provider's default brand: what every tenant shows until it sets its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Brand:
    product_name: str = "Argus"
    primary_color: str = "#1f4e79"
    accent_color: str = "#f2a900"
    support_email: str | None = None


DEFAULT_BRAND = Brand()
