"""``argus migrate --all-tenants --parallel 4`` over 50 tenants, one of them broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from argus.platform.cli.commands import migrate_control
from argus.platform.core.db import utcnow
from argus.platform.core.migrate import head_revision, schema_versions, upgrade_schema
from argus.platform.core.settings import Settings
from argus.platform.services import Services
from argus.tenants.models import Tenant
from argus.tenants.slugs import schema_for
from tests.conftest import new_slug, settings_env

CONTROL = "argus_test_mig_control"
ARGUS = str(Path(sys.executable).parent / "argus")


async def _make_tenants_at_first_revision(settings: Settings, count: int) -> list[Tenant]:
    """Tenants whose schemas stop at t0001, so that ``--all-tenants`` has work to do."""
    services = Services.build(settings)
    rows = []
    try:
        await migrate_control(services)
        engine = services.dbs.engine("main")
        for _ in range(count):
            slug = new_slug("m")
            now = utcnow()
            rows.append(Tenant(slug=slug, name=slug, state="active", plan="standard",
                               db_cluster="main", schema=schema_for(slug),
                               bucket=f"argus-t-{slug}", created_at=now, updated_at=now))
            await upgrade_schema(engine, "tenant", schema_for(slug), "t0001")
        async with services.dbs.control_session() as session:
            session.add_all(rows)
            await session.commit()
    finally:
        await services.close()
    return rows


async def _set_version(engine, schema: str, version: str) -> None:
    async with engine.connect() as conn:
        await conn.execute(text(f"UPDATE `{schema}`.alembic_version SET version_num = :v"),
                           {"v": version})
        await conn.commit()


def _run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ARGUS, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)


async def test_migrate_all_tenants_reports_the_broken_one_and_migrates_the_rest(tmp_root, control):
    env = settings_env(tmp_root, ARGUS_CONTROL_SCHEMA=CONTROL)
    settings = Settings.from_env(env)
    tenants = await _make_tenants_at_first_revision(settings, 50)
    broken = tenants[17]
    services = Services.build(settings)
    engine = services.dbs.engine("main")
    try:
        await _set_version(engine, broken.schema, "deadbeef")

        result = _run_cli(env, "migrate", "--all-tenants", "--parallel", "4")
        assert result.returncode == 1, result.stdout + result.stderr
        lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
        assert "FAILED" in lines[broken.slug]
        assert "deadbeef" in lines[broken.slug]
        others = [t for t in tenants if t is not broken]
        assert all(" migrated " in lines[t.slug] for t in others)
        assert "50 tenants: 1 failed, 49 migrated" in result.stdout

        versions = await schema_versions(engine, [t.schema for t in tenants])
        head = head_revision("tenant")
        assert all(versions[t.schema] == head for t in others)
        assert versions[broken.schema] == "deadbeef"

        # Repaired, a second pass migrates it alone; a third finds nothing to do.
        await _set_version(engine, broken.schema, "t0001")
        result = _run_cli(env, "migrate", "--all-tenants", "--parallel", "4")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "50 tenants: 49 current, 1 migrated" in result.stdout
        result = _run_cli(env, "migrate", "--all-tenants")
        assert result.returncode == 0 and "50 tenants: 50 current" in result.stdout
    finally:
        await services.close()
