"""``GET /api/v1/events`` (WebSocket): the tenant's live events, across every replica.

Events are published on the Redis channel ``argus:<control schema>:events:<tenant id>`` by
whichever process sees them; each process listens once for all tenants (``EventHub``) and a
socket only ever gets its own tenant's. By default a client gets every event of its tenant; it
may narrow that with ``{"type": "join", "cameraIds": [...]}`` and widen it again with
``{"type": "join", "all": true}``. Events are JSON objects with a ``type``
(``camera-status``, ...); one with a ``userId`` (an in-app notification) reaches only that
user's sockets.

An open socket is authorised again every ``ARGUS_WS_RECHECK_INTERVAL`` seconds: after a
sign-out, a revoked or expired token, a disabled or demoted user, a suspended tenant or an
allowlist that no longer holds the caller it is closed with 1008 (policy violation). Sockets
are capped per user and per tenant (4429 when over). A socket that can no longer carry events
(Redis lost, a client that does not read) is closed with 1011 rather than left silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from ipaddress import ip_address

import structlog
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from argus.platform.core.di import Provided
from argus.platform.core.errors import ArgusError
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.guards import needs
from argus.platform.core.principal import Principal
from argus.platform.core.settings import EventSettings, Settings
from argus.platform.events.hub import LOST, EventHub, SocketSlots
from argus.platform.identity.middleware import check_still_authorised
from argus.platform.identity.state import Identity
from argus.tenants.context import TenantContext
from argus.tenants.requests import scope_tenant
from argus.tenants.resolution import TenantResolver

log = structlog.get_logger("argus.events")
MAX_JOINED = 500
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
TOO_MANY = 4429


class Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class _Needs:
    """What a socket's session works with."""

    settings: EventSettings
    identity: Identity
    resolver: TenantResolver
    slots: SocketSlots


@websocket("/events", opt=needs("cameras:read"))
async def events(socket: WebSocket, settings: Provided[Settings],
                 event_hub: Provided[EventHub], socket_slots: Provided[SocketSlots],
                 identity: Provided[Identity],
                 resolver: Provided[TenantResolver]) -> None:
    tenant = scope_tenant(socket.scope)
    principal: Principal = socket.scope["user"]  # type: ignore[assignment]
    slots = socket_slots
    slot = await slots.acquire(tenant.id, principal.user_id)
    await socket.accept()
    if slot is None:
        await _close(socket, TOO_MANY, "too many open event sockets for this user or tenant")
        return
    queue = await event_hub.register(tenant.id)
    try:
        if queue is None:
            raise Close(INTERNAL_ERROR, "live events are unavailable; retry shortly")
        await socket.send_json({"type": "subscribed", "tenant": tenant.slug})
        session = _Session(socket, tenant, principal, slot, queue,
                           _Needs(settings.events, identity, resolver, slots))
        await session.run()
    except Close as close:
        await _close(socket, close.code, close.reason)
    finally:
        if queue is not None:
            event_hub.unregister(tenant.id, queue)
        with contextlib.suppress(Exception):
            await slots.release(tenant.id, principal.user_id, slot)


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await socket.close(code=code, reason=reason)


class _Session:
    """Three tasks per socket: the client's messages, the events, the authorisation watch.
    The first to end ends the socket (with the code it raised)."""

    def __init__(self, socket: WebSocket, tenant: TenantContext, principal: Principal,
                 slot: str, queue: asyncio.Queue, needs: _Needs) -> None:
        self.socket, self.tenant, self.principal = socket, tenant, principal
        self.slot, self.queue, self.needs = slot, queue, needs
        self.joined: set[str] | None = None  # None: the whole tenant

    async def run(self) -> None:
        tasks = [asyncio.create_task(job) for job in (self.receive(), self.forward(),
                                                      self.watch())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        error = next(iter(done)).exception()
        if isinstance(error, Close):
            raise error
        if error is not None and not isinstance(error, WebSocketDisconnect):
            log.warning("events.socket_failed", tenant=self.tenant.slug, error=repr(error))
            raise Close(INTERNAL_ERROR, "live events failed; reconnect")

    async def receive(self) -> None:
        socket = self.socket
        while True:
            try:
                request = await socket.receive_json()
            except ValueError:
                await socket.send_json({"type": "error", "detail": "send JSON"})
                continue
            if not isinstance(request, dict) or request.get("type") != "join":
                await socket.send_json({"type": "error", "detail": "send {type: join}"})
                continue
            ids = request.get("cameraIds")
            if request.get("all") is True:
                self.joined = None
            elif isinstance(ids, list) and len(ids) <= MAX_JOINED and all(
                    isinstance(i, str) for i in ids):
                self.joined = set(ids)
            else:
                await socket.send_json({"type": "error", "field": "cameraIds",
                                        "detail": f"a list of at most {MAX_JOINED} ids"})
                continue
            await socket.send_json({"type": "joined", "cameraIds": None if self.joined is None
                                    else sorted(self.joined)})

    async def forward(self) -> None:
        while True:
            data = await self.queue.get()
            if data is LOST:
                raise Close(INTERNAL_ERROR, "live events were interrupted; reconnect")
            try:
                event = json.loads(data)
            except ValueError:
                continue
            if "userId" in event and event["userId"] != self.principal.user_id:
                continue  # one user's own (an in-app notification)
            joined = self.joined
            # Tenant-wide events (no cameraId: system-alert, dashboard-update) reach everyone.
            if joined is None or "cameraId" not in event or event["cameraId"] in joined:
                await self.socket.send_json(event)

    async def watch(self) -> None:
        needs = self.needs
        interval = needs.settings.recheck_interval
        client = scope_client_ip(self.socket.scope)
        while True:
            await asyncio.sleep(interval)
            tenant = await needs.resolver.by_id(self.tenant.id)
            if tenant is None or tenant.state != "active":
                raise Close(POLICY_VIOLATION, "this tenant is not active")
            if tenant.ip_allowlist and (client is None or not any(
                    ip_address(client) in net for net in tenant.ip_allowlist)):
                raise Close(POLICY_VIOLATION, "your address is not on this tenant's allowlist")
            try:
                await check_still_authorised(needs.identity, tenant, self.principal)
            except ArgusError as refused:
                raise Close(POLICY_VIOLATION, refused.detail) from None
            await needs.slots.refresh(tenant.id, self.principal.user_id, self.slot)
