"""Fan-out and delivery of webhook events.

``emit`` adds one delivery per enabled endpoint subscribed to the event, in the caller's
transaction (never lost on a crash, never sent for a rolled-back change). ``deliver`` sends an
endpoint's due deliveries one at a time (concurrency 1 per endpoint, a Redis lock), each signed
with the endpoint's live secrets, to the address the SSRF check resolved (Host and TLS name
kept), 15 s timeout, no redirects. 2xx: delivered; 410: the endpoint is disabled; otherwise the
next attempt follows the schedule (``Retry-After`` honoured on 429/503) until it runs out. Every
attempt is logged. Successes are committed in groups (``COMMIT_EVERY`` attempts or
``COMMIT_AFTER`` seconds, whichever comes first: a commit per attempt held one endpoint to the
disk's fsync rate), failures at once; a worker killed mid-run leaves what it had not committed
pending, and the next run sends it again under the same ``webhook-id`` (receivers dedupe on it,
as the spec asks of them)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from redis.asyncio import Redis
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import Databases, utcnow
from argus.platform.core.settings import WebhookSettings
from argus.platform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from argus.platform.webhooks.schedule import next_delay, parse_schedule
from argus.platform.webhooks.sender import Outcome, attempt, client
from argus.platform.webhooks.service import live_secrets
from argus.platform.webhooks.vault import Vault
from argus.tenants.context import TenantContext

BATCH = 50
COMMIT_EVERY = 25
COMMIT_AFTER = 0.25


def event_body(event_type: str, data: dict[str, Any]) -> str:
    at = utcnow().isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": at, "data": data},
                      separators=(",", ":"), default=str)


async def emit(session: AsyncSession, event_type: str, data: dict[str, Any],
               endpoint_id: str | None = None) -> list[str]:
    """Deliveries of the event (to one endpoint, or every subscribed one) in the caller's
    transaction; the endpoints to kick after the commit."""
    query = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
        WebhookEndpoint.enabled.is_(True))
    if endpoint_id is not None:
        query = query.where(WebhookEndpoint.id == endpoint_id)
    body, now = event_body(event_type, data), utcnow()
    targets = [target for target, types in (await session.execute(query)).all()
               if endpoint_id is not None or types is None or event_type in types]
    if targets:
        await session.execute(insert(WebhookDelivery), [
            {"id": f"msg_{uuid.uuid4().hex}", "endpoint_id": target, "event_type": event_type,
             "body": body, "state": "pending", "attempts": 0, "next_attempt_at": now,
             "created_at": now} for target in targets])
    return targets


@dataclass
class Run:
    """What one delivery run did: how many it delivered, and the endpoint if it disabled it."""

    delivered: int = 0
    disabled: WebhookEndpoint | None = None


@dataclass
class _Unsaved:
    """Attempts made since the last commit: their log rows, and the delivered ids by status."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[int, list[str]] = field(default_factory=dict)
    delivered_at: datetime | None = None
    since: float = field(default_factory=time.monotonic)

    def add(self, delivery_id: str, outcome: Outcome, latency: float) -> None:
        self.rows.append({"delivery_id": delivery_id, "at": outcome.at,
                          "status_code": outcome.status, "latency_ms": int(latency * 1000),
                          "response": outcome.snippet, "error": outcome.error})
        if outcome.delivered and outcome.status is not None:
            self.delivered.setdefault(outcome.status, []).append(delivery_id)
            self.delivered_at = outcome.at

    def due(self) -> bool:
        return len(self.rows) >= COMMIT_EVERY or time.monotonic() - self.since >= COMMIT_AFTER

    async def save(self, session: AsyncSession) -> None:
        """Commit them: one insert for the log rows, one update per status for the
        delivered (a statement per delivery was most of a run's database time)."""
        if self.rows:
            await session.execute(insert(WebhookAttempt), self.rows)
        for status, ids in self.delivered.items():
            await session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                .values(state="delivered", delivered_at=self.delivered_at,
                        next_attempt_at=None, last_status=status,
                        attempts=WebhookDelivery.attempts + 1)
                .execution_options(synchronize_session=False))
        await session.commit()
        self.rows, self.delivered, self.since = [], {}, time.monotonic()


def _failed(endpoint: WebhookEndpoint, attempts_made: int, outcome: Outcome,
            schedule: tuple[int, ...], settings: WebhookSettings) -> dict[str, Any]:
    """The failed delivery's new values; the endpoint is marked failing (and disabled on a
    410 or after ``disable_after`` of continuous failure)."""
    values: dict[str, Any] = {"attempts": attempts_made, "last_status": outcome.status}
    if outcome.status == 410:
        values.update(state="failed", next_attempt_at=None)
        endpoint.enabled = False
        endpoint.disabled_reason = "the receiver answered 410 Gone"
        return values
    delay = next_delay(schedule, attempts_made, outcome.status, outcome.asked)
    if delay is None:
        values.update(state="failed", next_attempt_at=None)
    else:
        values["next_attempt_at"] = outcome.at + timedelta(seconds=delay)
    endpoint.failing_since = endpoint.failing_since or outcome.at
    if (outcome.at - endpoint.failing_since).total_seconds() > settings.disable_after:
        endpoint.enabled = False
        endpoint.disabled_reason = "failing for too long"
    return values


async def _send(session: AsyncSession, http: aiohttp.ClientSession, endpoint: WebhookEndpoint,
                due: list[tuple[str, str, int]], secrets: list[str], settings: WebhookSettings,
                keep: Callable[[], Awaitable[None]]) -> int:
    """Send one batch of the endpoint's due deliveries, in order; how many were delivered.
    Stops at a delivery that disabled the endpoint."""
    unsaved, delivered = _Unsaved(), 0
    schedule = parse_schedule(settings.retry_schedule)
    for delivery_id, body, attempts in due:
        await keep()
        started = time.monotonic()
        outcome = await attempt(http, endpoint.url, delivery_id, body, secrets,
                                settings.allow_private)
        unsaved.add(delivery_id, outcome, time.monotonic() - started)
        if outcome.delivered:
            delivered += 1
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
            if unsaved.due():
                await unsaved.save(session)
            continue
        await session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
            .values(_failed(endpoint, attempts + 1, outcome, schedule, settings))
            .execution_options(synchronize_session=False))
        await unsaved.save(session)  # a failure is committed at once
        if not endpoint.enabled:
            break
    await unsaved.save(session)
    return delivered


async def deliver(dbs: Databases, redis: Redis, control_schema: str, settings: WebhookSettings,
                  tenant: TenantContext, endpoint_id: str) -> Run:
    """Send the endpoint's due deliveries."""
    lock = f"argus:{control_schema}:webhook-lock:{tenant.id}:{endpoint_id}"
    # Held for an attempt at a time (renewed before one when a second has passed): a worker
    # killed mid-run frees the endpoint within a timeout or so, and the sweep sends what it
    # left pending.
    hold = int(settings.timeout) + 15
    if not await redis.set(lock, "1", nx=True, ex=hold):
        return Run()  # another worker is on this endpoint
    renewed = time.monotonic()

    async def keep() -> None:
        nonlocal renewed
        if time.monotonic() - renewed > 1:
            await redis.expire(lock, hold)
            renewed = time.monotonic()

    run, vault = Run(), Vault(settings.keys)
    try:
        async with client(settings.timeout) as http:
            while True:
                async with dbs.tenant_session(tenant) as session:
                    endpoint = await session.get(WebhookEndpoint, endpoint_id)
                    if endpoint is None or not endpoint.enabled:
                        return run
                    due = (await session.execute(
                        select(WebhookDelivery.id, WebhookDelivery.body,
                               WebhookDelivery.attempts).where(
                            WebhookDelivery.endpoint_id == endpoint_id,
                            WebhookDelivery.state == "pending",
                            WebhookDelivery.next_attempt_at <= utcnow())
                        .order_by(WebhookDelivery.created_at).limit(BATCH))).tuples().all()
                    if not due:
                        return run
                    secrets = live_secrets(endpoint, vault, utcnow())  # opened once a batch
                    run.delivered += await _send(session, http, endpoint, list(due), secrets,
                                                 settings, keep)
                    if not endpoint.enabled:
                        run.disabled = endpoint
                        return run
    finally:
        await redis.delete(lock)


async def next_due(dbs: Databases, tenant: TenantContext, endpoint_id: str) -> float | None:
    """Seconds until the endpoint's next pending attempt (None: nothing pending)."""
    async with dbs.tenant_session(tenant) as session:
        at = await session.scalar(select(WebhookDelivery.next_attempt_at).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
            .order_by(WebhookDelivery.next_attempt_at).limit(1))
    return None if at is None else max(0.0, (at - utcnow()).total_seconds())
