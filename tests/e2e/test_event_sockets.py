"""The events WebSocket against the real ``argus serve``: authorisation is checked again while
the socket is open (sign-out, revoked token, disabled user, suspended tenant, allowlist), sockets
are capped per user, and a process whose Redis connection silently dies notices within seconds
(a logout on one instance is refused on the other)."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
import websockets

from tests.e2e.stack import LiveStack, wait_for
from tests.integration.conftest import PASSWORD
from tests.tcp_proxy import BlackholeProxy

CLOSE_WITHIN = 8.0


@pytest.fixture
def server(tmp_path, tmp_root):
    stack = LiveStack(tmp_path, tmp_root, ARGUS_WS_RECHECK_INTERVAL="1",
                      ARGUS_WS_MAX_PER_USER="2")
    stack.start_server()
    yield stack
    stack.close()


def _login(server: LiveStack, tenant, role: str = "admin") -> str:
    response = httpx.post(f"{server.api}/api/v1/auth/login", headers={"Host": tenant.host},
                          json={"email": tenant.emails[role], "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def _closed_with(socket_, code: int | tuple[int, ...],
                       within: float = CLOSE_WITHIN) -> str:
    """Wait for the server to close the socket; returns its reason."""
    deadline = time.monotonic() + within
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket_.recv(), max(0.1, deadline - time.monotonic()))
    codes = code if isinstance(code, tuple) else (code,)
    assert socket_.close_code in codes, (socket_.close_code, socket_.close_reason)
    return closed.value.rcvd.reason if closed.value.rcvd else ""


async def test_sockets_close_when_authorisation_ends(server, tenant_a, services):
    # Sign-out.
    admin = _login(server, tenant_a)
    socket_ = await server.events(tenant_a, admin)
    assert server.call(tenant_a, admin, "POST", "/api/v1/auth/logout").status_code == 204
    await _closed_with(socket_, 1008)

    # A revoked API token.
    admin = _login(server, tenant_a)
    token = server.call(tenant_a, admin, "POST", "/api/v1/api-tokens", json={
        "name": "events", "scopes": ["cameras:read"]}).json()
    socket_ = await server.events(tenant_a, token["secret"])
    assert server.call(tenant_a, admin, "DELETE",
                       f"/api/v1/api-tokens/{token['id']}").status_code == 204
    await _closed_with(socket_, 1008)

    # A user disabled by an admin.
    operator = _login(server, tenant_a, "operator")
    socket_ = await server.events(tenant_a, operator)
    users = server.call(tenant_a, admin, "GET", "/api/v1/users").json()["items"]
    operator_id = next(u["id"] for u in users if u["email"] == tenant_a.emails["operator"])
    assert server.call(tenant_a, admin, "PATCH", f"/api/v1/users/{operator_id}",
                       json={"state": "disabled"}).status_code == 200
    await _closed_with(socket_, 1008)

    # An allowlist that no longer holds the caller (127.0.0.1).
    socket_ = await server.events(tenant_a, admin)
    await services.tenant_service.set_ip_allowlist(tenant_a.slug, ["192.0.2.0/24"])
    await _closed_with(socket_, 1008)
    await services.tenant_service.set_ip_allowlist(tenant_a.slug, [])

    # A suspended tenant.
    socket_ = await server.events(tenant_a, admin)
    await services.tenant_service.update(tenant_a.slug, state="suspended")
    await _closed_with(socket_, 1008)
    await services.tenant_service.update(tenant_a.slug, state="active")


async def test_sockets_are_capped_per_user(server, tenant_a, tenant_b):
    admin = _login(server, tenant_a)
    first = await server.events(tenant_a, admin)
    second = await server.events(tenant_a, _login(server, tenant_a))  # same user, new session
    third = await websockets.connect(
        f"ws://{tenant_a.host}/api/v1/events", host="127.0.0.1", port=server.api_port,
        additional_headers={"Authorization": f"Bearer {admin}"})
    await _closed_with(third, 4429, within=5)
    # Another user (and another tenant) is not affected; closing one frees a slot.
    other = await server.events(tenant_b, _login(server, tenant_b))
    await first.close()
    fourth = await wait_for_socket(server, tenant_a, admin)
    for socket_ in (second, other, fourth):
        await socket_.close()


async def wait_for_socket(server, tenant, token):
    deadline = time.monotonic() + 10
    while True:
        try:
            return await server.events(tenant, token)
        except (AssertionError, websockets.exceptions.ConnectionClosed):
            assert time.monotonic() < deadline, "no socket slot was freed"
            await asyncio.sleep(0.2)


async def test_a_silently_dead_redis_connection_is_noticed(tmp_path, tmp_root, tenant_a):
    """Instance B reaches Redis through a proxy that blackholes its connections: B's
    revocation mirror notices within seconds, reconnects and resyncs, so a logout on A is
    refused on B within 10 s; B's event sockets are closed, not left silent."""
    url = os.environ.get("ARGUS_REDIS_URL", "redis://127.0.0.1:6379/0")
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = BlackholeProxy(host, int(port))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = LiveStack(tmp_path / "a", tmp_root)
    b = LiveStack(tmp_path / "b", tmp_root,
                  ARGUS_REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{url.rsplit('/', 1)[-1]}")
    try:
        a.start_server()
        b.start_server()
        token = _login(a, tenant_a)
        # B has its mirror in sync (the fast path): its answers need no Redis round trip.
        assert b.call(tenant_a, token, "GET", "/api/v1/me").status_code == 200
        socket_ = await b.events(tenant_a, token)
        time.sleep(1)
        proxy.blackhole()
        assert a.call(tenant_a, token, "POST", "/api/v1/auth/logout").status_code == 204
        started = time.monotonic()
        wait_for(lambda: b.call(tenant_a, token, "GET", "/api/v1/me").status_code == 401, 10,
                 "instance B to refuse the signed-out token", step=0.5)
        assert time.monotonic() - started <= 10
        # Its socket is not left open and silent: closed for the lost events (1011) or for the
        # sign-out it noticed (1008), whichever B saw first.
        await _closed_with(socket_, (1008, 1011), within=10)
    finally:
        for stack in (a, b):
            stack.close()
        proxy.close()
