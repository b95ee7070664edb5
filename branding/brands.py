"""A tenant's brand (control schema ``brands``: read before anyone signs in).

Only the fields a tenant set are stored; everything else falls back to the provider's default
brand (``defaults.py``). Every value is checked here: colours are hex and the text colour on
the primary colour must meet WCAG AA; themes are CSS custom properties built from these values
only, so no tenant-supplied CSS or HTML is ever rendered.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import Mapped, mapped_column

from argus.billing.plans import Limits
from argus.billing.quotas import check_feature
from argus.branding.assets import KINDS, BrandImage, object_key
from argus.branding.colors import check_text_on, parse_hex
from argus.branding.defaults import DEFAULT_BRAND
from argus.platform.core.db import ControlBase, Databases, UTCDateTime, utcnow
from argus.platform.core.errors import Invalid
from argus.platform.core.storage import Storage

THEMES = ("light", "dark", "auto")
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/[^\s<>\"']*)?$")


class BrandRow(ControlBase):
    __tablename__ = "brands"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class BrandSettings:
    product_name: str
    primary_color: str
    accent_color: str
    primary_text_color: str
    theme: str
    support_email: str | None
    support_url: str | None
    email_sender_name: str | None
    powered_by: bool


PROVIDER_DEFAULT = BrandSettings(
    product_name=DEFAULT_BRAND.product_name, primary_color=DEFAULT_BRAND.primary_color,
    accent_color=DEFAULT_BRAND.accent_color, primary_text_color="#ffffff", theme="auto",
    support_email=DEFAULT_BRAND.support_email, support_url=None, email_sender_name=None,
    powered_by=True)
FIELDS = tuple(asdict(PROVIDER_DEFAULT))


def _text(value: object, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise Invalid(f"{field} must be text of at most {limit} characters", field=field)
    return value.strip() or None


def clean(fields: dict, limits: Limits) -> dict:
    """Validate the fields present; the values to store (None: back to the default)."""
    out: dict = {}
    for key, value in fields.items():
        if key not in FIELDS:
            raise Invalid(f"unknown field {key!r}", field=key)
        if value is None:
            out[key] = None
        elif key.endswith("_color"):
            out[key] = parse_hex(value, key)
        elif key == "product_name":
            name = _text(value, key, 60)
            if not name:
                raise Invalid("product_name must not be empty", field=key)
            out[key] = name
        elif key == "theme":
            if value not in THEMES:
                raise Invalid(f"theme must be one of {', '.join(THEMES)}", field=key)
            out[key] = value
        elif key == "support_email":
            if not isinstance(value, str) or not _EMAIL.match(value.strip()):
                raise Invalid("support_email must be an e-mail address", field=key)
            out[key] = value.strip()
        elif key == "support_url":
            if not isinstance(value, str) or not _URL.match(value.strip()) or len(value) > 300:
                raise Invalid("support_url must be an http(s) URL", field=key)
            out[key] = value.strip()
        elif key == "email_sender_name":
            out[key] = _text(value, key, 60)
        elif key == "powered_by":
            if not isinstance(value, bool):
                raise Invalid("powered_by must be true or false", field=key)
            if value is False:
                check_feature(limits, "powered_by")
            out[key] = value
    return out


def merged(stored: dict | None) -> BrandSettings:
    values = {k: v for k, v in (stored or {}).items() if k in FIELDS and v is not None}
    return replace(PROVIDER_DEFAULT, **values)


class BrandStore:
    def __init__(self, dbs: Databases) -> None:
        self.dbs = dbs

    async def get(self, tenant_id: str) -> tuple[BrandSettings, dict]:
        """The brand as shown (defaults filled in) and the fields the tenant set."""
        async with self.dbs.control_session() as session:
            row = await session.get(BrandRow, tenant_id)
        stored = dict(row.settings) if row is not None else {}
        return merged(stored), stored

    async def update(self, tenant_id: str, limits: Limits, fields: dict,
                     replace_all: bool = False) -> tuple[BrandSettings, dict]:
        changes = clean(fields, limits)
        _, stored = await self.get(tenant_id)
        # Images have their own endpoints: replacing the settings keeps them.
        kept = {k: stored[k] for k in KINDS if k in stored}
        stored = kept if replace_all else stored
        stored = {k: v for k, v in {**stored, **changes}.items() if v is not None}
        brand = merged(stored)
        check_text_on(brand.primary_color, brand.primary_text_color, "primary_color")
        await self._save(tenant_id, stored)
        return brand, stored

    async def _save(self, tenant_id: str, stored: dict) -> None:
        stmt = insert(BrandRow).values(tenant_id=tenant_id, settings=stored,
                                       updated_at=utcnow())
        async with self.dbs.control_session() as session:
            await session.execute(stmt.on_duplicate_key_update(
                settings=stmt.inserted.settings, updated_at=stmt.inserted.updated_at))
            await session.commit()

    async def set_image(self, tenant_id: str, bucket: str, storage: Storage, kind: str,
                        image: BrandImage | None) -> dict:
        """Store (or, with None, remove) the tenant's logo or favicon; the stored settings.

        The new object is written before the row points at it and the old one is deleted
        after, so a crash leaves at worst an unreferenced object, never a broken image.
        """
        _, stored = await self.get(tenant_id)
        old = stored.get(kind)
        if image is not None:
            key = object_key(kind, image)
            await storage.put(bucket, key, image.data, content_type=image.content_type)
            stored[kind] = {"key": key, "content_type": image.content_type,
                            "version": image.version}
        else:
            stored.pop(kind, None)
        await self._save(tenant_id, stored)
        if old and old.get("key") != (stored.get(kind) or {}).get("key"):
            await storage.delete(bucket, old["key"])
        return stored
