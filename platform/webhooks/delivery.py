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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.core.db import Databases, utcnow
from argus.platform.core.errors import Invalid
from argus.platform.core.settings import WebhookSettings
from argus.platform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from argus.platform.webhooks.schedule import next_delay, parse_schedule, retry_after
from argus.platform.webhooks.service import live_secrets
from argus.platform.webhooks.signing import headers
from argus.platform.webhooks.targets import resolve
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


def _url(scheme: str, address: str, port: int, path: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{scheme}://{host}:{port}{path}"


async def _attempt(http: httpx.AsyncClient, endpoint: WebhookEndpoint,
                   delivery: WebhookDelivery, secrets: list[str],
                   settings: WebhookSettings) -> tuple[int | None, str, str | None, int | None]:
    """(status, response snippet, error, seconds the receiver asked to wait)."""
    now = utcnow()
    try:
        target = await resolve(endpoint.url, settings.allow_private)
    except Invalid as exc:
        return None, "", exc.detail[:300], None
    default_port = 443 if target.scheme == "https" else 80
    sent = headers(delivery.id, now, delivery.body, secrets)
    sent.update({"content-type": "application/json", "user-agent": "Argus-Webhooks/1",
                 "host": target.host if target.port == default_port
                 else f"{target.host}:{target.port}"})
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        answer = await http.post(_url(target.scheme, target.address, target.port, target.path),
                                 content=delivery.body.encode(), headers=sent,
                                 extensions=extensions)
    except httpx.HTTPError as exc:
        return None, "", f"{type(exc).__name__}: {exc}"[:300], None
    return (answer.status_code, answer.text[:1000], None,
            retry_after(answer.headers.get("retry-after"), now))


async def _save(session: AsyncSession, log_rows: list[dict[str, Any]]) -> None:
    """Commit the deliveries' changes with their attempt rows (one insert for the group)."""
    if log_rows:
        await session.execute(insert(WebhookAttempt), log_rows)
        log_rows.clear()
    await session.commit()


@dataclass
class Run:
    """What one delivery run did: how many it delivered, and the endpoint if it disabled it."""

    delivered: int = 0
    disabled: WebhookEndpoint | None = None


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
    run = Run()
    vault, schedule = Vault(settings.keys), parse_schedule(settings.retry_schedule)
    try:
        async with httpx.AsyncClient(follow_redirects=False, timeout=settings.timeout,
                                     trust_env=False) as http:
            while True:
                async with dbs.tenant_session(tenant) as session:
                    endpoint = await session.get(WebhookEndpoint, endpoint_id)
                    if endpoint is None or not endpoint.enabled:
                        return run
                    due = list(await session.scalars(
                        select(WebhookDelivery).where(
                            WebhookDelivery.endpoint_id == endpoint_id,
                            WebhookDelivery.state == "pending",
                            WebhookDelivery.next_attempt_at <= utcnow())
                        .order_by(WebhookDelivery.created_at).limit(BATCH)))
                    if not due:
                        return run
                    unsaved, saved_at = 0, time.monotonic()
                    log_rows: list[dict[str, Any]] = []
                    secrets = live_secrets(endpoint, vault, utcnow())  # opened once a batch
                    renewed = time.monotonic()
                    for delivery in due:
                        if time.monotonic() - renewed > 1:
                            await redis.expire(lock, hold)
                            renewed = time.monotonic()
                        started = time.monotonic()
                        status, snippet, error, asked = await _attempt(http, endpoint, delivery,
                                                                       secrets, settings)
                        now = utcnow()
                        log_rows.append({
                            "delivery_id": delivery.id, "at": now, "status_code": status,
                            "latency_ms": int((time.monotonic() - started) * 1000),
                            "response": snippet, "error": error})
                        delivery.attempts += 1
                        delivery.last_status = status
                        if status is not None and 200 <= status < 300:
                            delivery.state, delivery.delivered_at = "delivered", now
                            delivery.next_attempt_at = None
                            endpoint.failing_since = None
                            run.delivered += 1
                        elif status == 410:
                            delivery.state, delivery.next_attempt_at = "failed", None
                            endpoint.enabled = False
                            endpoint.disabled_reason = "the receiver answered 410 Gone"
                        else:
                            delay = next_delay(schedule, delivery.attempts, status, asked)
                            if delay is None:
                                delivery.state, delivery.next_attempt_at = "failed", None
                            else:
                                delivery.next_attempt_at = now + timedelta(seconds=delay)
                            endpoint.failing_since = endpoint.failing_since or now
                            if (now - endpoint.failing_since).total_seconds() > \
                                    settings.disable_after:
                                endpoint.enabled = False
                                endpoint.disabled_reason = "failing for too long"
                        unsaved += 1
                        if (delivery.state != "delivered" or unsaved >= COMMIT_EVERY
                                or time.monotonic() - saved_at >= COMMIT_AFTER):
                            await _save(session, log_rows)
                            unsaved, saved_at = 0, time.monotonic()
                        if not endpoint.enabled:
                            run.disabled = endpoint
                            return run
                    await _save(session, log_rows)
    finally:
        await redis.delete(lock)


async def next_due(dbs: Databases, tenant: TenantContext, endpoint_id: str) -> float | None:
    """Seconds until the endpoint's next pending attempt (None: nothing pending)."""
    async with dbs.tenant_session(tenant) as session:
        at = await session.scalar(select(WebhookDelivery.next_attempt_at).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
            .order_by(WebhookDelivery.next_attempt_at).limit(1))
    return None if at is None else max(0.0, (at - utcnow()).total_seconds())
