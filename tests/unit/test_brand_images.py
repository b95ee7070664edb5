"""Brand images: only real PNG/JPEG/WebP, at most 1 MB; SVG only sanitized."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from argus.branding.assets import MAX_BYTES, check_image, sanitize_svg
from argus.platform.core.errors import Invalid

EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <rect width="10" height="10" fill="url(#g)" onclick="alert(3)"
        style="background:url(https://evil.example/t.png)"/>
  <circle r="3" fill="url(https://evil.example/track)"/>
  <a href="javascript:alert(4)"><text>click</text></a>
  <image href="https://evil.example/pixel.png" width="1" height="1"/>
  <use xlink:href="https://evil.example/sprite.svg#a"/>
  <use href="#g"/>
  <foreignObject><body xmlns="http://www.w3.org/1999/xhtml">
    <iframe src="https://evil.example"/></body></foreignObject>
</svg>"""


def _raster(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "#123456").save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt,content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                              ("WEBP", "image/webp")])
def test_raster_images_are_sniffed_not_trusted(fmt, content_type):
    assert check_image(_raster(fmt)).content_type == content_type


@pytest.mark.parametrize("data", [
    b"<html><script>alert(1)</script></html>",  # HTML is not an image
    b"\x89PNG\r\n\x1a\n truncated",  # a PNG header on garbage
    b"GIF89a......",  # not an accepted format
    b"",
])
def test_non_images_are_refused_naming_the_field(data):
    with pytest.raises(Invalid) as refused:
        check_image(data)
    assert refused.value.field == "file"


def test_too_large_is_refused():
    with pytest.raises(Invalid, match="1 MB"):
        check_image(_raster("PNG") + b"\0" * MAX_BYTES)


def test_svg_scripts_handlers_and_external_references_are_stripped():
    clean = sanitize_svg(EVIL_SVG).decode()
    for gone in ("script", "alert", "onload", "onclick", "evil.example", "style",
                 "foreignObject", "iframe", "image", "javascript"):
        assert gone not in clean, (gone, clean)
    assert 'fill="url(#g)"' in clean and 'href="#g"' in clean and "<stop" in clean
    assert check_image(EVIL_SVG).content_type == "image/svg+xml"


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',  # XXE
    b"<svg><rect/></svg>",  # no SVG namespace
    b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",  # not well-formed
    b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>",
])
def test_svg_that_cannot_be_trusted_is_refused(data):
    with pytest.raises(Invalid):
        check_image(data)

