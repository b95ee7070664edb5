"""Recording lifecycle crons (general worker): retention and storage tiers.

- **Retention**: recordings whose end is older than the camera's retention days (else the
  tenant's) are deleted, object first, then row; a missing object is not an error. Tenant
  storage in use follows.
- **Tiers**: HOT → WARM → COLD after the tenant's ages (defaults 7 and 30 days). The storage
  backend moves the object (S3: its storage class, in place; the directory backend: into the
  bucket's ``warm/`` or ``cold/`` directory) and the row follows the object.

Both work in batches that commit as they go, so a run that stops is finished by the next, and
a second run over the same data changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec
import structlog
from sqlalchemy import delete, select, update

from argus.billing.plans import Limits
from argus.billing.quotas import effective_retention
from argus.billing.usage import change_storage, move_storage
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Invalid
from argus.platform.core.infra import Infra
from argus.platform.recordings.models import Recording
from argus.tenants.context import TenantContext
from argus.tenants.settings_store import get_setting

log = structlog.get_logger("argus.recordings")
BATCH = 200
SETTING = "recording"


class RecordingPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The tenant's recording settings: stored as the ``recording`` tenant setting, and the
    body of ``GET/PUT /api/v1/settings/recording``."""

    retention_days: int | None = None  # None: keep until deleted
    warm_after_days: int = 7
    cold_after_days: int = 30
    chunk_minutes: int = 60  # minutes per recording (cameras may override)
    clip_retention_days: int = 7  # exported clips are kept this long

    @classmethod
    def parse(cls, value: dict | None) -> RecordingPolicy:
        value = value or {}
        policy = cls(**{k: value[k] for k in ("retention_days", "warm_after_days",
                                              "cold_after_days", "chunk_minutes",
                                              "clip_retention_days")
                        if k in value})
        policy.check()
        return policy

    def check(self) -> None:
        if self.retention_days is not None and not 1 <= self.retention_days <= 3650:
            raise Invalid("retention_days must be 1-3650 (or null: keep)",
                          field="retention_days")
        if not 1 <= self.warm_after_days <= 3650:
            raise Invalid("warm_after_days must be 1-3650", field="warm_after_days")
        if not isinstance(self.chunk_minutes, int) or not 1 <= self.chunk_minutes <= 1440:
            raise Invalid("chunk_minutes must be 1-1440", field="chunk_minutes")
        if not isinstance(self.clip_retention_days, int) or \
                not 1 <= self.clip_retention_days <= 3650:
            raise Invalid("clip_retention_days must be 1-3650", field="clip_retention_days")
        if not self.warm_after_days < self.cold_after_days <= 3650:
            raise Invalid("cold_after_days must be after warm_after_days (and ≤ 3650)",
                          field="cold_after_days")


async def load_policy(session) -> RecordingPolicy:
    return RecordingPolicy.parse(await get_setting(session, SETTING))


async def apply_retention(infra: Infra, tenant: TenantContext, limits: Limits | None = None
                          ) -> int:
    """Delete expired recordings of one tenant; the number deleted. ``limits``: the tenant's
    plan, whose ``max_retention_days`` caps every setting (keeping forever included)."""
    maker = infra.dbs.for_tenant(tenant)
    now = utcnow()
    async with maker() as session:
        policy = await load_policy(session)
        overrides = dict((await session.execute(
            select(Camera.id, Camera.retention_days)
            .where(Camera.retention_days.is_not(None)))).all())
    deleted = 0
    if limits is not None:
        overrides = {k: effective_retention(limits, v) for k, v in overrides.items()}
    rules: list[tuple[str | None, int]] = [(k, v) for k, v in overrides.items() if v]
    default = (effective_retention(limits, policy.retention_days) if limits is not None
               else policy.retention_days)
    if default is not None:
        rules.append((None, default))
    for camera_id, days in rules:
        cutoff = now - timedelta(days=days)
        while True:
            async with maker() as session:
                query = select(Recording).where(Recording.ended_at < cutoff)
                if camera_id is None:
                    query = query.where(Recording.camera_id.not_in(list(overrides)))
                else:
                    query = query.where(Recording.camera_id == camera_id)
                rows = list(await session.scalars(query.order_by(Recording.ended_at)
                                                  .limit(BATCH)))
                if not rows:
                    break
                for row in rows:
                    for key in (row.object_key, row.thumbnail_key):
                        if key:
                            await infra.storage.delete(tenant.bucket, key)
                await session.execute(delete(Recording).where(
                    Recording.id.in_([r.id for r in rows])))
                await session.commit()
            freed: dict[str, int] = {}
            for r in rows:
                if r.state == "ready":
                    freed[r.storage_tier] = freed.get(r.storage_tier, 0) + r.size_bytes
            if freed:
                async with infra.dbs.control_session() as control:
                    for tier, size in freed.items():
                        await change_storage(control, tenant.id, -size, tier)
                    await control.commit()
            deleted += len(rows)
    if deleted:
        log.info("recordings.expired", tenant=tenant.slug, deleted=deleted)
    return deleted


async def apply_tiers(infra: Infra, tenant: TenantContext) -> int:
    """Move recordings older than the tenant's tier ages down a tier; the number moved."""
    maker = infra.dbs.for_tenant(tenant)
    now = utcnow()
    async with maker() as session:
        policy = await load_policy(session)
    moved = 0
    for tier, sources, days in (("cold", ("hot", "warm"), policy.cold_after_days),
                                ("warm", ("hot",), policy.warm_after_days)):
        cutoff = now - timedelta(days=days)
        while True:
            async with maker() as session:
                rows = list(await session.scalars(
                    select(Recording).where(Recording.storage_tier.in_(sources),
                                            Recording.state == "ready",
                                            Recording.started_at < cutoff)
                    .order_by(Recording.started_at).limit(BATCH)))
                if not rows:
                    break
                shifted: dict[str, int] = {}
                for row in rows:
                    source, size = row.storage_tier, row.size_bytes
                    key = await infra.storage.move_to_tier(
                        tenant.bucket, row.object_key, source, tier)
                    await session.execute(update(Recording).where(Recording.id == row.id)
                                          .values(storage_tier=tier, object_key=key))
                    await session.commit()  # the row follows its object, one by one
                    shifted[source] = shifted.get(source, 0) + size
                moved += len(rows)
            async with infra.dbs.control_session() as control:  # the tier totals follow
                for source, size in shifted.items():
                    await move_storage(control, tenant.id, size, source, tier)
                await control.commit()
    if moved:
        log.info("recordings.tiered", tenant=tenant.slug, moved=moved)
    return moved
