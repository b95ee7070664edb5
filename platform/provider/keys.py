"""Provider API keys: ``argus_pk_<prefix>_<secret>``, stored as prefix + SHA-256 of the whole key.

The secret part has 256 bits of entropy, so a plain SHA-256 is a sound verifier (no password
stretching needed); lookups go by the public prefix and compare digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from argus.platform.core.db import Databases, utcnow
from argus.platform.provider.models import ProviderApiKey

_KEY_RE = re.compile(r"^argus_pk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def key_prefix(key: str) -> str | None:
    """The public prefix of a well-formed key."""
    match = _KEY_RE.match(key)
    return match.group(1) if match else None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(dbs: Databases, name: str, secret: str | None = None) -> str:
    """Store a new key and return it (the only time it is seen). ``secret`` is for the demo."""
    key = secret or f"argus_pk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
    match = _KEY_RE.match(key)
    if not match:
        raise ValueError("provider key must look like argus_pk_<12 hex>_<43 url-safe chars>")
    async with dbs.control_session() as session:
        existing = await session.scalar(
            select(ProviderApiKey).where(ProviderApiKey.prefix == match.group(1)))
        if existing is not None:
            if not hmac.compare_digest(existing.key_hash, _digest(key)):
                raise ValueError("a different key with this prefix exists")
            return key
        session.add(ProviderApiKey(name=name[:100], prefix=match.group(1), key_hash=_digest(key)))
        await session.commit()
    return key


async def verify_key(dbs: Databases, key: str) -> bool:
    match = _KEY_RE.match(key)
    if not match:
        return False
    async with dbs.control_session() as session:
        row = await session.scalar(
            select(ProviderApiKey).where(ProviderApiKey.prefix == match.group(1),
                                         ProviderApiKey.revoked_at.is_(None)))
        if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
            return False
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            await session.execute(update(ProviderApiKey).where(ProviderApiKey.id == row.id)
                                  .values(last_used_at=now))
            await session.commit()
    return True


async def list_keys(dbs: Databases) -> list[ProviderApiKey]:
    """Every key, oldest first (the secrets are not stored, only prefixes are shown)."""
    async with dbs.control_session() as session:
        return list(await session.scalars(select(ProviderApiKey)
                                          .order_by(ProviderApiKey.created_at)))


async def revoke_key(dbs: Databases, prefix: str) -> bool:
    """Revoke the key with this public prefix at once; False when there is none. Revoking a
    revoked key changes nothing (its first revocation time stays)."""
    async with dbs.control_session() as session:
        row = await session.scalar(select(ProviderApiKey).where(ProviderApiKey.prefix == prefix))
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await session.commit()
    return True
