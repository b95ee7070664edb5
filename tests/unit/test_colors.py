"""WCAG contrast as the W3C defines it, and the clear refusal of a brand colour that fails."""

import pytest

from argus.branding.colors import check_text_on, contrast, parse_hex
from argus.platform.core.errors import Invalid


def test_contrast_ratios_match_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WebAIM


def test_hex_colours_are_normalised_or_refused():
    assert parse_hex("#ABC", "primary_color") == "#aabbcc"
    assert parse_hex(" #1F4E79 ", "primary_color") == "#1f4e79"
    for bad in ("red", "#12345", "1f4e79", "#gggggg", None, 42, "#1f4e79; background:url(x)"):
        with pytest.raises(Invalid) as exc:
            parse_hex(bad, "primary_color")
        assert exc.value.field == "primary_color"


def test_text_that_fails_aa_is_a_clear_422():
    check_text_on("#1f4e79", "#ffffff", "primary_color")
    with pytest.raises(Invalid) as exc:
        check_text_on("#f2a900", "#ffffff", "primary_color")
    assert exc.value.field == "primary_color" and "4.5:1" in exc.value.detail
    assert "#000000 text" in exc.value.detail
