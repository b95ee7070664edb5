"""Running the two Alembic histories: control once, tenant once per tenant schema.

Alembic keeps ``op``/``context`` as module globals, so two migrations must never interleave in one
process: in-process runs take a per-event-loop lock, and ``migrate_all`` spreads tenants over
separate processes. A no-op pass reads every schema's version in one query per cluster instead
of letting Alembic inspect each schema.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import time
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from argus.platform.core.db import ControlBase, TenantBase, check_schema_name
from argus.platform.core.settings import REPO_ROOT, Settings

MIGRATIONS_DIR = REPO_ROOT / "migrations"
TARGETS = ("control", "tenant")
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def metadata_for(target: str) -> MetaData:
    """The models' metadata of a history (for autogenerate and ``compare_type``): complete
    once the models are imported (``argus.platform.models.load_models``)."""
    return (ControlBase if target == "control" else TenantBase).metadata


def check_target_schema(target: str, schema: str) -> str:
    """Schema names reach SQL only after this check."""
    if target == "tenant":
        return check_schema_name(schema)
    if not re.fullmatch(r"argus_[a-z0-9_]{1,50}", schema or ""):
        raise ValueError(f"refusing control schema name {schema!r}")
    return schema


def alembic_config(target: str, schema: str | None = None,
                   connection: Connection | None = None) -> Config:
    if target not in TARGETS:
        raise ValueError(f"unknown migration target {target!r}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / target / "versions"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes.update(target=target, schema=schema, connection=connection)
    return cfg


@cache
def head_revision(target: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(target)).get_current_head()
    assert head is not None
    return head


def _lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


async def upgrade_schema(engine: AsyncEngine, target: str, schema: str,
                         revision: str = "head", create: bool = True) -> None:
    """Upgrade ``schema`` to ``revision`` of ``target``'s history, creating it first unless
    ``create`` is false (provisioning has created it in a step of its own)."""
    check_target_schema(target, schema)

    def run(sync_conn: Connection) -> None:
        command.upgrade(alembic_config(target, schema, sync_conn), revision)

    async with _lock():
        async with engine.connect() as conn:
            if create:
                await conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{schema}` "
                                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
                await conn.commit()
            try:
                await conn.run_sync(run)
                await conn.commit()
            finally:
                # env.py switched this connection's default database: never pool it again.
                await conn.invalidate()


async def schema_versions(engine: AsyncEngine, schemas: Iterable[str]) -> dict[str, str | None]:
    """Current tenant revision of each schema in one round of queries.

    Missing schemas are left out of the result; a schema with no version table maps to None.
    """
    wanted = sorted({check_schema_name(s) for s in schemas})
    if not wanted:
        return {}
    async with engine.connect() as conn:
        found = {
            row[0]: row[1]
            for row in await conn.execute(
                text("SELECT s.schema_name, t.table_name FROM information_schema.schemata s "
                     "LEFT JOIN information_schema.tables t ON t.table_schema = s.schema_name "
                     "AND t.table_name = 'alembic_version' "
                     "WHERE s.schema_name LIKE 'argus\\_t\\_%'")
            )
        }
        present = [s for s in wanted if s in found]
        with_table = [s for s in present if found[s]]
        versions: dict[str, str | None] = {s: None for s in present}
        for start in range(0, len(with_table), 500):
            batch = with_table[start:start + 500]
            sql = " UNION ALL ".join(
                f"SELECT '{s}' AS s, (SELECT MAX(version_num) FROM `{s}`.alembic_version) AS v"
                for s in batch
            )
            for schema, version in await conn.execute(text(sql)):
                versions[schema] = version
    return versions


@dataclass(frozen=True)
class TenantTarget:
    slug: str
    cluster: str
    schema: str


@dataclass
class MigrationResult:
    slug: str
    status: str  # "migrated", "current", "failed", "missing"
    before: str | None = None
    after: str | None = None
    error: str | None = None
    seconds: float = 0.0


async def _migrate_targets(settings: Settings, targets: Sequence[TenantTarget],
                           revision: str) -> list[MigrationResult]:
    from argus.platform.core.db import Databases

    dbs = Databases(settings.database)
    results: list[MigrationResult] = []
    try:
        for t in targets:
            started = time.perf_counter()
            try:
                await upgrade_schema(dbs.engine(t.cluster), "tenant", t.schema, revision)
                results.append(MigrationResult(t.slug, "migrated", after=head_revision("tenant"),
                                               seconds=time.perf_counter() - started))
            except Exception as exc:  # one tenant's failure must not stop the others
                results.append(MigrationResult(t.slug, "failed", error=_one_line(exc),
                                               seconds=time.perf_counter() - started))
    finally:
        await dbs.dispose()
    return results


def _migrate_chunk(settings: Settings, targets: Sequence[TenantTarget],
                   revision: str) -> list[MigrationResult]:
    """Process-pool entry point: migrate a share of the tenants sequentially."""
    return asyncio.run(_migrate_targets(settings, targets, revision))


def _one_line(exc: BaseException) -> str:
    text_ = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text_[:300]


async def migrate_all(settings: Settings, targets: Sequence[TenantTarget], parallel: int = 1,
                      revision: str = "head") -> list[MigrationResult]:
    """Upgrade every tenant schema; failures are reported per tenant, never raised."""
    from argus.platform.core.db import Databases

    head = head_revision("tenant")
    dbs = Databases(settings.database)
    try:
        by_cluster: dict[str, list[TenantTarget]] = {}
        for t in targets:
            by_cluster.setdefault(t.cluster, []).append(t)
        versions: dict[str, str | None] = {}
        for cluster, items in by_cluster.items():
            versions.update(await schema_versions(dbs.engine(cluster), [t.schema for t in items]))
    finally:
        await dbs.dispose()

    results: dict[str, MigrationResult] = {}
    pending: list[TenantTarget] = []
    for t in targets:
        if t.schema not in versions:
            results[t.slug] = MigrationResult(t.slug, "missing", error="schema does not exist")
        elif revision == "head" and versions[t.schema] == head:
            results[t.slug] = MigrationResult(t.slug, "current", before=head, after=head)
        else:
            pending.append(t)

    if pending:
        workers = max(1, min(parallel, len(pending)))
        if workers == 1:
            done = await _migrate_targets(settings, pending, revision)
        else:
            chunks = [pending[i::workers] for i in range(workers)]
            loop = asyncio.get_running_loop()
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [loop.run_in_executor(pool, _migrate_chunk, settings, c, revision)
                           for c in chunks]
                done = [r for chunk in await asyncio.gather(*futures) for r in chunk]
        schema_of = {t.slug: t.schema for t in pending}
        for r in done:
            r.before = versions.get(schema_of[r.slug])
            results[r.slug] = r
    return [results[t.slug] for t in targets]
