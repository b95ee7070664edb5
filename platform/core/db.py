"""Database engines and sessions: one engine per cluster, schemas chosen by translate map.

Models never name a schema. Control models use ``ControlBase`` and tenant models ``TenantBase``;
both declare ``schema=None`` and a session gets the real schema through
``schema_translate_map={None: <schema>}`` on its bind. Schema names come only from the tenant
row and are checked by ``check_schema_name`` before they reach SQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine

from argus.platform.core.errors import ServiceUnavailable
from argus.platform.core.settings import DatabaseSettings

TENANT_SCHEMA_RE = re.compile(r"^argus_t_[a-z0-9_]{1,40}$")
_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """DATETIME(6) stored as naive UTC, always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Now in UTC (microsecond precision, like DATETIME(6))."""
    return datetime.now(UTC)


class ControlBase(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class TenantBase(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


def check_schema_name(schema: str) -> str:
    if not TENANT_SCHEMA_RE.match(schema):
        raise ValueError(f"refusing tenant schema name {schema!r}")
    return schema


class TenantLocation(Protocol):
    """Where a tenant's data lives (``TenantContext`` and the ``Tenant`` row both say)."""

    @property
    def db_cluster(self) -> str: ...

    @property
    def schema(self) -> str: ...


class Databases:
    """Holds one ``AsyncEngine`` per cluster and a translate-mapped view per schema."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.engines: dict[str, AsyncEngine] = {
            name: create_async_engine(
                url,
                pool_size=settings.pool_size,
                max_overflow=settings.pool_size,
                pool_pre_ping=True,
                pool_recycle=3600,
                echo=settings.echo,
            )
            for name, url in settings.clusters.items()
        }
        self._views: dict[tuple[str, str], AsyncEngine] = {}
        self._makers: dict[tuple[str, str], async_sessionmaker[AsyncSession]] = {}
        self.control_engine = self._view(settings.control_cluster, settings.control_schema)
        self.control_sessions = self._maker(settings.control_cluster, settings.control_schema)

    def engine(self, cluster: str) -> AsyncEngine:
        try:
            return self.engines[cluster]
        except KeyError:
            raise LookupError(f"unknown database cluster {cluster!r}") from None

    def _view(self, cluster: str, schema: str) -> AsyncEngine:
        key = (cluster, schema)
        view = self._views.get(key)
        if view is None:
            view = self.engine(cluster).execution_options(schema_translate_map={None: schema})
            self._views[key] = view
        return view

    def _maker(self, cluster: str, schema: str) -> async_sessionmaker[AsyncSession]:
        key = (cluster, schema)
        maker = self._makers.get(key)
        if maker is None:
            maker = async_sessionmaker(self._view(cluster, schema), expire_on_commit=False)
            self._makers[key] = maker
        return maker

    def tenant_engine(self, cluster: str, schema: str) -> AsyncEngine:
        """The engine bound to one tenant schema (migrations and provisioning)."""
        return self._view(cluster, check_schema_name(schema))

    def for_tenant(self, tenant: TenantLocation) -> async_sessionmaker[AsyncSession]:
        """The one way to a tenant's database, for requests, jobs and commands alike: a
        session factory on the tenant's schema, or a 503 ``cluster_unavailable`` (a clear
        failed-job reason in a worker) when its cluster is not configured in this process."""
        try:
            return self._maker(tenant.db_cluster, check_schema_name(tenant.schema))
        except LookupError:
            raise ServiceUnavailable(
                f"the tenant's database cluster {tenant.db_cluster!r} is not configured here",
                code="cluster_unavailable") from None

    def tenant_session(self, tenant: TenantLocation) -> AsyncSession:
        """``async with dbs.tenant_session(tenant) as session``: one session (see
        ``for_tenant``)."""
        return self.for_tenant(tenant)()

    @asynccontextmanager
    async def control_session(self) -> AsyncIterator[AsyncSession]:
        async with self.control_sessions() as session:
            yield session

    async def dispose(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE, with the user's own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
