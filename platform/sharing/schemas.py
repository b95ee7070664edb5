"""The wire shapes of share links."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from argus.platform.recordings.schemas import SpanOut
from argus.platform.sharing.models import Share


class ShareIn(msgspec.Struct, forbid_unknown_fields=True):
    expires_at: datetime | None = None
    live_only: bool = True


class ShareOut(msgspec.Struct):
    id: str
    camera_id: str
    live_only: bool
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
    active: bool

    @classmethod
    def of(cls, s: Share) -> ShareOut:
        now = datetime.now(UTC)
        return cls(s.id, s.camera_id, s.live_only, s.expires_at, s.revoked_at, s.created_at,
                   s.active(now))


class ShareCreated(msgspec.Struct):
    share: ShareOut
    token: str  # shown this once
    url: str
    embed_url: str
    embed_html: str


class ShareList(msgspec.Struct):
    items: list[ShareOut]


class ShareTimeline(msgspec.Struct):
    camera_id: str
    spans: list[SpanOut]
