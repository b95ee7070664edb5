"""End-to-end tests reuse the tenant-API fixtures, with the app in one mode only."""

from __future__ import annotations

import pytest

from argus.platform.app import close_state, create_app
from tests.e2e.stack import LiveStack
from tests.integration.conftest import (  # noqa: F401  (fixtures)
    admin_session,
    client_for,
    tenant_a,
    tenant_b,
)


@pytest.fixture
async def stack(tmp_path, tmp_root, state):
    """The platform's own processes on free ports (``tests/e2e/stack.py``)."""
    live = LiveStack(tmp_path, tmp_root)
    try:
        yield await live.start(state)
    finally:
        live.close()


@pytest.fixture
async def identity_app(control):
    app = create_app(control)
    yield app
    await close_state(app.state)
