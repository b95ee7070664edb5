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


# The provider's images, shown until a tenant uploads its own (already safe, static SVG).
DEFAULT_LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 32" width="120" height="32">'
    b'<circle cx="16" cy="16" r="14" fill="#1f4e79"/><circle cx="16" cy="16" r="6" '
    b'fill="#f2a900"/><text x="38" y="22" font-family="sans-serif" font-size="18" '
    b'font-weight="bold" fill="#1f4e79">Argus</text></svg>')
DEFAULT_FAVICON_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" '
    b'r="14" fill="#1f4e79"/><circle cx="16" cy="16" r="6" fill="#f2a900"/></svg>')
