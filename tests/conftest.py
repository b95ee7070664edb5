"""Shared fixtures: settings for an isolated control schema, the real services, tenants.

Tests talk to the real MariaDB, Redis and an S3 endpoint process (moto's server; started here
when ``ARGUS_TEST_S3_ENDPOINT`` does not answer). Every tenant a test creates has a slug that
starts with ``zt`` so the session can drop leftovers of earlier runs without touching the demo.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from argus.platform.app import create_app
from argus.platform.cli.commands import migrate_control
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.services import Services

TEST_CONTROL_SCHEMA = "argus_test_control"
configure_logging(json=False, level="warning")
VENV_BIN = Path(sys.executable).parent


def new_slug(label: str = "") -> str:
    return f"zt{label}{uuid.uuid4().hex[:8]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """A real S3 endpoint process: the one the test command started, or our own."""
    endpoint = os.environ.get("ARGUS_TEST_S3_ENDPOINT")
    if endpoint and _answers(f"{endpoint}/moto-api/"):
        yield endpoint
        return
    port = _free_port()
    proc = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not _answers(f"{endpoint}/moto-api/"):
        assert time.monotonic() < deadline, "moto_server did not start"
        time.sleep(0.1)
    yield endpoint
    proc.terminate()
    proc.wait(10)


def settings_env(tmp_root: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith("ARGUS_")}
    env.update({
        "ARGUS_CONTROL_SCHEMA": TEST_CONTROL_SCHEMA,
        "ARGUS_STORAGE_ROOT": str(tmp_root / "storage"),
        "ARGUS_LOG_LEVEL": "warning",
        "ARGUS_TENANT_CACHE_TTL": "60",
        "ARGUS_JWT_SECRETS": "test-signing-key-0123456789abcdef0123456789,"
                             "test-previous-key-0123456789abcdef01234567",
        # Cheaper hashing keeps the suite fast; production defaults are in AuthSettings.
        "ARGUS_ARGON2_TIME_COST": "1",
        "ARGUS_ARGON2_MEMORY_KIB": "8192",
        "ARGUS_LOGIN_LOCKOUT_BASE": "1",
        "ARGUS_HLS_SECRET": "test-hls-secret-0123456789",
        "ARGUS_WEBHOOK_KEYS": "dGVzdC1vbmx5LXdlYmhvb2sta2V5LTAxMjM0NTY3ODk=",
        # Test cameras (GStreamer's RTSP server) live on loopback, as on an on-premises
        # install; the SSRF tests turn this off for their own app or node.
        "ARGUS_RTSP_ALLOW_PRIVATE": "true",
    })
    env.update(overrides)
    return env


@pytest.fixture
def dns_server():
    """A real DNS server on 127.0.0.1 whose records a test sets (``tests/dns_server.py``)."""
    from tests.dns_server import LocalDns

    server = LocalDns()
    yield server
    server.close()


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("argus")


@pytest.fixture(scope="session")
def settings(tmp_root: Path, s3_endpoint: str) -> Settings:
    """Local-directory storage, the test control schema."""
    return Settings.from_env(settings_env(tmp_root))


@pytest.fixture(scope="session")
def s3_settings(tmp_root: Path, s3_endpoint: str) -> Settings:
    return Settings.from_env(settings_env(
        tmp_root, ARGUS_STORAGE_BACKEND="s3", ARGUS_S3_ENDPOINT_URL=s3_endpoint,
        ARGUS_S3_ACCESS_KEY_ID="test", ARGUS_S3_SECRET_ACCESS_KEY="test"))


async def drop_test_schemas(settings: Settings) -> None:
    """Drop every ``argus_test_*`` control schema and every ``zt`` tenant schema."""
    url = settings.database.clusters[settings.database.control_cluster]
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            names = [r[0] for r in await conn.execute(text(
                "SELECT schema_name FROM information_schema.schemata "
                "WHERE schema_name LIKE 'argus\\_t\\_zt%' OR schema_name LIKE 'argus\\_test\\_%'"))]
            for name in names:
                await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def control(settings: Settings) -> AsyncIterator[Settings]:
    """A fresh, migrated test control schema for the session."""
    await drop_test_schemas(settings)
    services = Services.build(settings)
    try:
        # Counters and markers of earlier runs (lockouts, budgets) must not leak into this one.
        async for key in services.redis.scan_iter(match="argus:argus_test_*", count=1000):
            await services.redis.delete(key)
        await migrate_control(services)
    finally:
        await services.close()
    yield settings


@pytest.fixture
async def services(control: Settings) -> AsyncIterator[Services]:
    """The shared services (``Services``) on local-directory storage."""
    st = Services.build(control)
    yield st
    await st.close()


@pytest.fixture
async def s3_services(control: Settings, s3_settings: Settings) -> AsyncIterator[Services]:
    st = Services.build(s3_settings)
    yield st
    await st.close()


@pytest.fixture
async def app(control: Settings):
    return create_app(control)


@pytest.fixture
async def client(app):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app, base_url="http://provider.localhost") as c:
        yield c


@pytest.fixture
async def provider_key(services: Services) -> str:
    from argus.platform.provider.keys import create_key

    return await create_key(services.dbs, "tests")
