"""The wire shape of a live playback URL."""

from __future__ import annotations

from datetime import datetime

import msgspec


class HlsUrl(msgspec.Struct):
    camera_id: str
    url: str  # the source as it arrives
    expires_at: datetime
    # With ABR on and running: the master playlist of the ladder, and its renditions.
    abr_url: str | None = None
    renditions: list[str] | None = None
