"""End-to-end tests reuse the tenant-API fixtures, with the app in one mode only."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from argus.platform.app import create_app, services_of_app
from tests.e2e.stack import LiveStack
from tests.integration.conftest import (  # noqa: F401  (fixtures)
    admin_session,
    client_for,
    tenant_a,
    tenant_b,
)


@pytest.fixture
async def stack(tmp_path, tmp_root, services):
    """The platform's own processes on free ports (``tests/e2e/stack.py``)."""
    live = LiveStack(tmp_path, tmp_root)
    try:
        yield await live.start(services)
    finally:
        live.close()


@pytest.fixture
async def identity_app(control):
    app = create_app(control)
    yield app
    await services_of_app(app).close()


CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by scripts/setup.sh
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
async def chromium():
    """``await chromium(*extra_args)``: Debian's Chromium driven by Playwright (closed after)."""
    browsers = []
    async with async_playwright() as playwright:
        async def launch(*extra: str):
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                       args=[*CHROMIUM_ARGS, *extra])
            browsers.append(browser)
            return browser

        yield launch
        for browser in browsers:
            await browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
