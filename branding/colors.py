"""Colours: hex parsing and WCAG 2.x contrast (relative luminance, contrast ratio)."""

from __future__ import annotations

import re

from argus.platform.core.errors import Invalid

_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
AA_NORMAL_TEXT = 4.5


def stored_hex(value: str) -> str:
    """A colour as stored (what ``parse_hex`` answers: ``#rrggbb``, lower case), or a
    ``ValueError``: the check anything that writes a colour into CSS makes again."""
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise ValueError(f"not a hex colour: {value!r}")
    return value


def parse_hex(value: object, field: str) -> str:
    """``#rgb`` or ``#rrggbb`` → ``#rrggbb`` (lower case); anything else is a 422."""
    if not isinstance(value, str) or not _HEX.match(value.strip()):
        raise Invalid(f"{field} must be a hex colour like #1f4e79", field=field)
    digits = value.strip()[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_text_on(background: str, text: str, field: str) -> None:
    """Text on ``background`` must meet WCAG AA for normal text (4.5:1)."""
    ratio = contrast(background, text)
    if ratio < AA_NORMAL_TEXT:
        better = "#000000" if contrast(background, "#000000") > contrast(background,
                                                                          "#ffffff") else "#ffffff"
        raise Invalid(f"text {text} on {background} has a contrast of {ratio:.2f}:1; WCAG AA "
                      f"needs 4.5:1 (a darker or lighter {field}, or {better} text, would do)",
                      field=field)
