"""The stream vocabulary, in one place: how a camera's stream and its recorded pieces are
named on an ingest node.

- **internal name** ``<tenant slug>__<camera id>``: what a publish is redirected to (and what
  RTSP relays publish as); HLS paths, node stats, nginx log lines and the live registry use it.
- **piece file** ``<internal name>-<unix time>.flv`` (``.closed`` once nginx is done with it):
  what nginx records; the finalizer groups a camera's pieces into recordings.

A stream key (32 characters of base64url, which may hold ``__``) never looks like an internal
name: the camera id is a UUID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argus.platform.core.errors import Forbidden

_SLUG = r"[a-z0-9][a-z0-9-]*"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
INTERNAL_NAME = re.compile(rf"^(?P<slug>{_SLUG})__(?P<camera>{_UUID})$")
# An internal name inside a line of text (nginx's error log).
INTERNAL_NAME_IN_TEXT = re.compile(rf"\b{_SLUG}__{_UUID}\b")
PIECE_FILE = re.compile(
    rf"^(?P<slug>{_SLUG})__(?P<camera>{_UUID})-\d+\.flv(?P<closed>\.closed)?$")


def internal_name(tenant_slug: str, camera_id: str) -> str:
    return f"{tenant_slug}__{camera_id}"


def split_internal_name(name: str) -> tuple[str, str]:
    """``(slug, camera id)`` of an internal name; anything else is refused (403)."""
    match = INTERNAL_NAME.match(name)
    if match is None:
        raise Forbidden("not an internal stream name", code="bad_stream")
    return match["slug"], match["camera"]


@dataclass(frozen=True)
class PieceName:
    slug: str
    camera_id: str
    closed: bool


def parse_piece(file_name: str) -> PieceName | None:
    """What a recorded piece's file name says (None: not a piece)."""
    match = PIECE_FILE.match(file_name)
    if match is None:
        return None
    return PieceName(match["slug"], match["camera"], bool(match["closed"]))
