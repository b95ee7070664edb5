"""Tenant lifecycle: create-or-update, provisioning, suspend/resume, deletion.

Provisioning runs as idempotent steps, each safe to repeat:

1. control row in state ``provisioning`` (the unique slug makes a second insert a no-op),
2. ``CREATE DATABASE IF NOT EXISTS argus_t_<slug>``,
3. tenant migrations to head (a schema already at head is left alone),
4. the tenant's bucket (or directory),
5. state ``active``.

A crash between any two steps leaves a ``provisioning`` row; running provisioning again (a
repeated ``PUT``, ``argus tenants create``, or the worker's sweep) finishes it. A MySQL named
lock per slug keeps two processes from provisioning the same tenant at once. Deletion is the
mirror: state ``deleting`` → drop schema → delete bucket → delete the row, rerunnable likewise.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import ControlBase, Databases, check_schema_name, utcnow
from argus.platform.core.errors import Conflict, Invalid, NotFound, ServiceUnavailable
from argus.platform.core.pagination import decode_cursor as decode_parts
from argus.platform.core.pagination import encode_cursor
from argus.platform.core.settings import Settings
from argus.platform.core.storage import Storage
from argus.tenants.models import Tenant, TenantDomain
from argus.tenants.slugs import SLUG_RE, schema_for, validate_domain, validate_slug

log = structlog.get_logger("argus.tenants")

Notify = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class TenantSpec:
    """What a provider asks for. ``None`` means "leave as it is" (or the default on create)."""

    name: str | None = None
    plan: str | None = None
    domains: Sequence[str] | None = None
    db_cluster: str | None = None
    api_rate_limit: int | None = None  # 0: back to the deployment's default


def _clean_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 200:
        raise Invalid("name must be 1-200 characters", field="name")
    return name


def decode_cursor(cursor: str) -> str:
    """The slug a tenant-list cursor carries."""
    slug = decode_parts(cursor)[0]
    if not SLUG_RE.match(slug):
        raise Invalid("cursor is not valid", field="cursor")
    return slug


def tenant_owned_tables() -> list[Table]:
    """Every control-schema table with a ``tenant_id`` column, children first (a new domain's
    table is covered by having the column)."""
    return [t for t in reversed(ControlBase.metadata.sorted_tables)
            if "tenant_id" in t.c and t.name != Tenant.__tablename__]


@dataclass(frozen=True)
class Plans:
    """The plans a tenant may be on, as billing defines them: ``check(session, plan)`` answers
    the plan or raises ``Invalid`` naming the field; ``record(session, tenant_id, plan, at)``
    adds the plan-history row to the transaction that moves the tenant."""

    default: str
    check: Callable[[AsyncSession, str], Awaitable[str]]
    record: Callable[[AsyncSession, str, str, datetime], None]


class TenantService:
    def __init__(self, settings: Settings, dbs: Databases, storage: Storage, plans: Plans,
                 notify: Notify | None = None,
                 stop_streams: Callable[[str], Awaitable[None]] | None = None) -> None:
        """``notify(slug)`` announces a change (host caches); ``stop_streams(tenant_id)`` drops
        the tenant's live publishers (suspension and deletion: no stream, no new recording)."""
        self.settings = settings
        self.dbs = dbs
        self.storage = storage
        self.plans = plans
        self._notify = notify
        self._stop_streams = stop_streams

    async def stop_streams(self, tenant_id: str) -> None:
        if self._stop_streams is not None:
            try:
                await self._stop_streams(tenant_id)
            except Exception as exc:  # publishes are refused anyway; the node reconciles
                log.warning("tenant.stop_streams_failed", tenant_id=tenant_id, error=str(exc))

    async def notify(self, slug: str) -> None:
        if self._notify is not None:
            await self._notify(slug)

    # --- reads -----------------------------------------------------------------------------

    async def get(self, slug: str) -> Tenant:
        async with self.dbs.control_session() as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"tenant {slug!r} not found", field="slug")
        return tenant

    async def list(self, cursor: str | None = None, limit: int = 50,
                   state: str | None = None) -> tuple[builtins.list[Tenant], str | None]:
        if not 1 <= limit <= 500:
            raise Invalid("limit must be between 1 and 500", field="limit")
        query = select(Tenant).order_by(Tenant.slug).limit(limit + 1)
        if cursor:
            query = query.where(Tenant.slug > decode_cursor(cursor))
        if state:
            query = query.where(Tenant.state == state)
        async with self.dbs.control_session() as session:
            rows = list(await session.scalars(query))
        next_cursor = encode_cursor(rows[limit - 1].slug) if len(rows) > limit else None
        return rows[:limit], next_cursor

    async def _exists(self, slug: str) -> bool:
        async with self.dbs.control_session() as session:
            return await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None

    async def all_targets(self) -> builtins.list[Tenant]:
        async with self.dbs.control_session() as session:
            return list(await session.scalars(
                select(Tenant).where(Tenant.state != "deleting").order_by(Tenant.slug)))

    # --- create or update ------------------------------------------------------------------

    async def put(self, slug: str, spec: TenantSpec) -> tuple[Tenant, bool]:
        """Create the tenant (and provision it) or bring it in line with ``spec``.

        Returns ``(tenant, created)``. The same spec twice changes nothing.
        """
        validate_slug(slug)
        name = _clean_name(spec.name) if spec.name is not None else None
        domains = self._clean_domains(spec.domains) if spec.domains is not None else None
        if spec.db_cluster is not None and spec.db_cluster not in self.settings.database.clusters:
            raise Invalid(f"unknown database cluster {spec.db_cluster!r}", field="db_cluster")

        created = False
        async with self.dbs.control_session() as session:
            plan = await self.plans.check(session, spec.plan) if spec.plan is not None else None
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                if name is None:
                    raise Invalid("name is required to create a tenant", field="name")
                tenant = self._new_row(slug, name, plan, spec.db_cluster)
                session.add(tenant)
                created = True
            else:
                self._check_updatable(tenant, spec.db_cluster)
            changed = created
            if not created and name is not None and tenant.name != name:
                tenant.name, changed = name, True
            if not created and plan is not None and tenant.plan != plan:
                tenant.plan, changed = plan, True
                self.plans.record(session, tenant.id, plan, utcnow())
            if spec.api_rate_limit is not None:
                limit = spec.api_rate_limit or None
                if tenant.api_rate_limit != limit:
                    tenant.api_rate_limit, changed = limit, True
            if domains is not None:
                changed |= await self._set_domains(session, tenant, domains)
            if changed and not created:
                tenant.updated_at = utcnow()
            try:
                if created:  # the row first: the plan history refers to it
                    await session.flush()
                    self.plans.record(session, tenant.id, tenant.plan, tenant.created_at)
                await session.commit()
            except IntegrityError as exc:
                await session.rollback()
                if created and await self._exists(slug):  # lost a race with a create of it
                    return await self.put(slug, spec)
                raise Conflict("a domain is already used by another tenant",
                               field="domains") from exc
        if changed:
            await self.notify(slug)
        if tenant.state == "provisioning":
            tenant = await self.provision(slug)
        return await self.get(slug), created

    def _new_row(self, slug: str, name: str, plan: str | None, cluster: str | None) -> Tenant:
        now = utcnow()
        return Tenant(id=str(uuid.uuid4()), slug=slug, name=name, state="provisioning",
                      plan=plan or self.plans.default,
                      db_cluster=cluster or self.settings.database.default_cluster,
                      schema=check_schema_name(schema_for(slug)),
                      bucket=self.storage.bucket_name(self.settings.storage.bucket_prefix, slug),
                      created_at=now, updated_at=now, domains=[])

    @staticmethod
    def _check_updatable(tenant: Tenant, cluster: str | None) -> None:
        if tenant.state == "deleting":
            raise Conflict(f"tenant {tenant.slug!r} is being deleted", field="slug")
        if cluster is not None and cluster != tenant.db_cluster:
            raise Conflict("db_cluster of an existing tenant cannot be changed here",
                           field="db_cluster")

    def _clean_domains(self, domains: Sequence[str]) -> builtins.list[str]:
        if not isinstance(domains, list | tuple) or len(domains) > 50:
            raise Invalid("domains must be a list of at most 50 domain names", field="domains")
        base = self.settings.http.base_domain
        cleaned = sorted({validate_domain(d) for d in domains})
        for d in cleaned:
            if d == base or d.endswith("." + base) or d == self.settings.http.provider_host:
                raise Invalid(f"{d!r} is under the platform's base domain; tenants get "
                              f"<slug>.{base} automatically", field="domains")
        return cleaned

    async def _set_domains(self, session: AsyncSession, tenant: Tenant,
                           domains: builtins.list[str]) -> bool:
        """Make the provider-given domains exactly ``domains``; tenant-added ones are kept."""
        current = {d.domain for d in tenant.domains if d.source == "provider"}
        if current == set(domains):
            return False
        if domains:
            others = TenantDomain.domain.in_(domains), TenantDomain.tenant_id != tenant.id
            taken = await session.scalar(
                select(TenantDomain.domain).where(*others, TenantDomain.state == "verified")
                .limit(1))
            if taken:
                raise Conflict(f"domain {taken!r} already belongs to another tenant",
                               field="domains")
            # The provider's word is proof of control: other tenants' unproven claims go.
            await session.execute(delete(TenantDomain).where(*others))
        tenant.domains = [d for d in tenant.domains
                          if d.source != "provider" or d.domain in domains]
        kept = {d.domain for d in tenant.domains}
        tenant.domains += [TenantDomain(domain=d, state="verified", source="provider",
                                        created_at=utcnow())
                           for d in domains if d not in kept]
        return True

    # --- provisioning ------------------------------------------------------------------------

    async def provision(self, slug: str) -> Tenant:
        """Run whatever provisioning steps remain for ``slug``; safe to call any number of times."""
        async with self._slug_lock(slug):
            tenant = await self.get(slug)
            if tenant.state != "provisioning":
                return tenant
            log.info("tenant.provisioning", tenant=slug)
            await self.create_schema(tenant)
            await self.migrate_schema(tenant)
            await self.create_bucket(tenant)
            await self.activate(tenant)
        await self.notify(slug)
        log.info("tenant.provisioned", tenant=slug)
        return await self.get(slug)

    async def create_schema(self, tenant: Tenant) -> None:
        schema = check_schema_name(tenant.schema)
        async with self.dbs.engine(tenant.db_cluster).connect() as conn:
            await conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{schema}` "
                                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))

    async def migrate_schema(self, tenant: Tenant) -> None:
        from argus.platform.core.migrate import upgrade_schema  # Alembic: only when needed

        await upgrade_schema(self.dbs.engine(tenant.db_cluster), "tenant", tenant.schema,
                             create=False)

    async def create_bucket(self, tenant: Tenant) -> None:
        await self.storage.create_bucket(tenant.bucket)

    async def activate(self, tenant: Tenant) -> None:
        await self._set_state(tenant.slug, "active", only_from=("provisioning",))

    async def _set_state(self, slug: str, state: str, only_from: tuple[str, ...]) -> None:
        async with self.dbs.control_session() as session:
            await session.execute(
                update(Tenant)
                .where(Tenant.slug == slug, Tenant.state.in_(only_from))
                .values(state=state, updated_at=utcnow())
                .execution_options(synchronize_session=False))
            await session.commit()

    @asynccontextmanager
    async def _slug_lock(self, slug: str) -> AsyncIterator[None]:
        """A MySQL named lock on the control cluster: one provisioner/deleter per slug."""
        name = f"{self.settings.database.control_schema}:tenant:{slug}"
        async with self.dbs.control_engine.connect() as conn:
            got = await conn.scalar(text("SELECT GET_LOCK(:n, 30)"), {"n": name})
            if got != 1:
                raise ServiceUnavailable(f"tenant {slug!r} is busy; retry shortly",
                                         code="tenant_busy")
            try:
                yield
            finally:
                await conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})

    # --- state changes -----------------------------------------------------------------------

    async def update(self, slug: str, *, name: str | None = None, plan: str | None = None,
                     state: str | None = None, api_rate_limit: int | None = None) -> Tenant:
        if state is not None and state not in ("active", "suspended"):
            raise Invalid("state can be set to 'active' or 'suspended'", field="state")
        name = _clean_name(name) if name is not None else None
        async with self.dbs.control_session() as session:
            plan = await self.plans.check(session, plan) if plan is not None else None
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                raise NotFound(f"tenant {slug!r} not found", field="slug")
            changed = False
            if state is not None and state != tenant.state:
                if tenant.state not in ("active", "suspended"):
                    raise Conflict(f"tenant is {tenant.state}; its state cannot be changed now",
                                   field="state")
                tenant.state, changed = state, True
            if name is not None and name != tenant.name:
                tenant.name, changed = name, True
            if plan is not None and plan != tenant.plan:
                tenant.plan, changed = plan, True
                self.plans.record(session, tenant.id, plan, utcnow())
                log.info("tenant.plan_changed", tenant=slug, plan=plan)
            if api_rate_limit is not None and (api_rate_limit or None) != tenant.api_rate_limit:
                tenant.api_rate_limit, changed = api_rate_limit or None, True
            if changed:
                tenant.updated_at = utcnow()
                await session.commit()
        if changed:
            log.info("tenant.updated", tenant=slug, state=tenant.state)
            await self.notify(slug)
            if tenant.state == "suspended":
                await self.stop_streams(tenant.id)
        return await self.get(slug)

    async def set_ip_allowlist(self, slug: str, cidrs: builtins.list[str]) -> None:
        await self._set_columns(slug, ip_allowlist=cidrs or None)

    async def set_role_grants(self, slug: str, grants: dict[str, builtins.list[str]]) -> None:
        await self._set_columns(slug, role_grants=grants or None)

    async def _set_columns(self, slug: str, **values: Any) -> None:
        """Write columns of a tenant row and tell every process (tenant-changed)."""
        async with self.dbs.control_session() as session:
            await session.execute(update(Tenant).where(Tenant.slug == slug)
                                  .values(**values, updated_at=utcnow())
                                  .execution_options(synchronize_session=False))
            await session.commit()
        await self.notify(slug)

    async def delete(self, slug: str) -> None:
        """State ``deleting`` → drop live publishers → drop schema → delete bucket (recordings,
        brand images, thumbnails) → delete the tenant's rows in every control table (stream
        keys, placements, brand, usage, ...) → delete the tenant row. Rerunnable: a crash at
        any step leaves the tenant ``deleting``, and the next run (or the worker's sweep)
        carries on from there."""
        tenant = await self.get(slug)
        async with self._slug_lock(slug):
            await self._set_state(slug, "deleting",
                                  only_from=("provisioning", "active", "suspended"))
            await self.notify(slug)
            await self.stop_streams(tenant.id)
            schema = check_schema_name(tenant.schema)
            async with self.dbs.engine(tenant.db_cluster).connect() as conn:
                await conn.execute(text(f"DROP DATABASE IF EXISTS `{schema}`"))
            await self.storage.delete_bucket(tenant.bucket)
            async with self.dbs.control_session() as session:
                for table in tenant_owned_tables():
                    await session.execute(table.delete().where(table.c.tenant_id == tenant.id))
                row = await session.scalar(select(Tenant).where(Tenant.slug == slug))
                if row is not None:
                    await session.delete(row)
                await session.commit()
        await self.notify(slug)
        log.info("tenant.deleted", tenant=slug)
