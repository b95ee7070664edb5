"""The brand as CSS custom properties: the only CSS a tenant influences.

Every value is a colour that ``branding.colors.parse_hex`` accepted (``#rrggbb``); the check
here is a second lock, so that nothing but a hex colour can ever reach the stylesheet.
"""

from __future__ import annotations

import re

from argus.branding.brands import BrandSettings

_HEX = re.compile(r"^#[0-9a-f]{6}$")


def _hex(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"not a hex colour: {value!r}")
    return value


def theme_css(brand: BrandSettings) -> str:
    scheme = {"light": "light", "dark": "dark"}.get(brand.theme, "light dark")
    return (":root{"
            f"--brand-primary:{_hex(brand.primary_color)};"
            f"--brand-accent:{_hex(brand.accent_color)};"
            f"--brand-on-primary:{_hex(brand.primary_text_color)};"
            f"color-scheme:{scheme};"
            "}\n")
