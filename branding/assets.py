"""Brand images (logo, favicon): checked, sanitized, stored in the tenant's bucket.

Raster images must really be PNG, JPEG or WebP (the bytes are sniffed and decoded by Pillow, so
a renamed HTML file or a polyglot is refused) and at most 1 MB. SVG is accepted only after
sanitizing: it is parsed without DTDs or entities (defusedxml), and only an allowlist of drawing
elements and presentation attributes is kept: scripts, event handlers, ``foreignObject``,
embedded images, styles and every reference that is not to a fragment of the same file are
dropped. What is stored is the sanitized file, served with a CSP that forbids scripts anyway.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from argus.platform.core.errors import Invalid

MAX_BYTES = 1024 * 1024
MAX_SIDE = 4096  # pixels: a logo or favicon needs far fewer
KINDS = ("logo", "favicon")
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
RASTER = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
          "WEBP": ("image/webp", "webp")}
_ELEMENTS = frozenset({
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "defs", "linearGradient", "radialGradient", "stop", "title", "desc", "clipPath",
    "mask", "symbol", "use", "pattern"})
_ATTRIBUTES = frozenset({
    "id", "class", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "d",
    "points", "width", "height", "viewBox", "preserveAspectRatio", "transform", "fill",
    "fill-opacity", "fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-opacity", "stroke-dasharray", "stroke-dashoffset",
    "stroke-miterlimit", "opacity", "offset", "stop-color", "stop-opacity", "gradientUnits",
    "gradientTransform", "spreadMethod", "fx", "fy", "clip-path", "mask", "font-family",
    "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "dx", "dy",
    "letter-spacing", "patternUnits", "patternContentUnits", "clipPathUnits", "maskUnits",
    "maskContentUnits", "version", "href", "visibility", "display"})
_URL_VALUE = re.compile(r"url\s*\(", re.I)
_LOCAL_URL = re.compile(r"^\s*url\(\s*['\"]?#[\w.-]+['\"]?\s*\)\s*$")


@dataclass(frozen=True)
class BrandImage:
    data: bytes
    content_type: str
    extension: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def _local_name(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _clean_attributes(element: ET.Element) -> None:
    for key in list(element.attrib):
        ns, name = _local_name(key)
        value = element.attrib[key]
        allowed = name in _ATTRIBUTES and ns in (None, XLINK_NS if name == "href" else None)
        if allowed and name == "href":
            allowed = value.strip().startswith("#")  # fragments of this file only
        if allowed and _URL_VALUE.search(value):
            allowed = bool(_LOCAL_URL.match(value))  # url(#gradient), nothing else
        if not allowed:
            del element.attrib[key]


def _clean(element: ET.Element) -> None:
    for child in list(element):
        ns, name = _local_name(child.tag) if isinstance(child.tag, str) else (None, "")
        if ns != SVG_NS or name not in _ELEMENTS:
            element.remove(child)  # script, style, foreignObject, image, a, animate, ...
            continue
        _clean_attributes(child)
        _clean(child)


def sanitize_svg(data: bytes) -> bytes:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise Invalid(f"the SVG file cannot be read: {exc}", field="file") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise Invalid("the file is not an SVG image (root element must be svg in the SVG "
                      "namespace)", field="file")
    _clean_attributes(root)
    _clean(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--")


def check_image(data: bytes) -> BrandImage:
    """The image as it will be stored, or a 422 naming ``file``."""
    if not data:
        raise Invalid("the file is empty", field="file")
    if len(data) > MAX_BYTES:
        raise Invalid(f"the file is {len(data)} bytes; at most {MAX_BYTES} (1 MB) are accepted",
                      field="file")
    if _looks_like_svg(data):
        return BrandImage(sanitize_svg(data), "image/svg+xml", "svg")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid("the image declares too many pixels", field="file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind in RASTER and max(width, height) > MAX_SIDE:
        raise Invalid(f"the image is {width}x{height} pixels; at most {MAX_SIDE} on a side",
                      field="file")
    if kind not in RASTER:
        raise Invalid("the file must be a PNG, JPEG, WebP or SVG image", field="file")
    content_type, extension = RASTER[kind]
    return BrandImage(data, content_type, extension)


def object_key(kind: str, image: BrandImage) -> str:
    return f"branding/{kind}-{image.version}.{image.extension}"
