"""Creating, listing, revoking and opening share links."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Forbidden, Gone, Invalid, NotFound
from argus.platform.identity.tokens import digest
from argus.platform.sharing.models import Share

DEFAULT_TTL = timedelta(hours=24)
MAX_TTL = timedelta(days=365)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ShareService:
    def __init__(self, session: AsyncSession, audit: Audit | None = None) -> None:
        self.session = session
        self.audit = audit

    async def create(self, camera_id: str, expires_at: datetime | None, live_only: bool,
                     created_by: str | None) -> tuple[Share, str]:
        camera = await self.session.get(Camera, camera_id)
        if camera is None:
            raise NotFound("camera not found", field="camera_id")
        now = utcnow()
        expires = _aware(expires_at) if expires_at else now + DEFAULT_TTL
        if expires <= now:
            raise Invalid("expires_at must be in the future", field="expires_at")
        if expires - now > MAX_TTL:
            raise Invalid("a share link lasts at most 365 days", field="expires_at")
        token = secrets.token_urlsafe(32)
        share = Share(camera_id=camera.id, token_hash=digest(token), live_only=live_only,
                      expires_at=expires, created_by=created_by, created_at=now)
        self.session.add(share)
        await self.session.flush()
        if self.audit:
            self.audit.record("share.create", "camera", camera.id,
                              detail={"share_id": share.id, "live_only": live_only,
                                      "expires_at": expires.isoformat()})
        await self.session.commit()
        return share, token

    async def list(self, camera_id: str) -> list[Share]:
        if await self.session.get(Camera, camera_id) is None:
            raise NotFound("camera not found", field="camera_id")
        rows = await self.session.scalars(select(Share).where(Share.camera_id == camera_id)
                                          .order_by(Share.created_at.desc()).limit(200))
        return list(rows)

    async def revoke(self, share_id: str) -> None:
        share = await self.session.get(Share, share_id)
        if share is None:
            raise NotFound("share not found", field="share_id")
        if share.revoked_at is None:
            share.revoked_at = utcnow()
            if self.audit:
                self.audit.record("share.revoke", "camera", share.camera_id,
                                  detail={"share_id": share.id})
            await self.session.commit()

    async def open(self, token: str) -> tuple[Share, Camera]:
        """The share and its camera; 404 for an unknown token, 410 once expired or revoked."""
        if not token or len(token) > 100:
            raise NotFound("this link is not valid", code="unknown_link")
        share = await self.session.scalar(select(Share).where(
            Share.token_hash == digest(token)))
        camera = await self.session.get(Camera, share.camera_id) if share else None
        if share is None or camera is None:
            raise NotFound("this link is not valid", code="unknown_link")
        if not share.active(utcnow()):
            raise Gone("this link has expired or was revoked", code="link_expired")
        return share, camera

    async def open_recordings(self, token: str) -> tuple[Share, Camera]:
        share, camera = await self.open(token)
        if share.live_only:
            raise Forbidden("this link shows the live view only", code="live_only")
        return share, camera
