"""The brand as CSS custom properties: the only CSS a tenant influences.

Every value is a colour that ``colors.parse_hex`` accepted (``#rrggbb``); ``colors.stored_hex``
checks it again, so that nothing but a hex colour can ever reach the stylesheet.
"""

from __future__ import annotations

from argus.branding.brands import BrandSettings
from argus.branding.colors import stored_hex as _hex


def theme_css(brand: BrandSettings) -> str:
    scheme = {"light": "light", "dark": "dark"}.get(brand.theme, "light dark")
    return (":root{"
            f"--brand-primary:{_hex(brand.primary_color)};"
            f"--brand-accent:{_hex(brand.accent_color)};"
            f"--brand-on-primary:{_hex(brand.primary_text_color)};"
            f"color-scheme:{scheme};"
            "}\n")
